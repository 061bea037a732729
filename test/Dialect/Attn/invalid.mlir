// RUN: attn-opt %s -split-input-file -verify-diagnostics

func.func @query_rank_below_3(%q: tensor<5x8xf32>, %k: tensor<7x8xf32>, %v: tensor<7x8xf32>, %init: tensor<5x8xf32>) {
  // expected-error @+1 {{query must have rank >= 3 ([batch..., heads, seq, head_dim]), got rank 2}}
  %r = attn.attention ins(%q, %k, %v : tensor<5x8xf32>, tensor<7x8xf32>, tensor<7x8xf32>)
      outs(%init : tensor<5x8xf32>) scale(1.0)
      -> tensor<5x8xf32>
  return
}

// -----

func.func @key_rank_differs(%q: tensor<4x5x8xf32>, %k: tensor<1x4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{key rank (4) must equal query rank (3)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @value_rank_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{value rank (2) must equal query rank (3)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @output_rank_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{output rank (4) must equal query rank (3)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<1x4x5x8xf32>) scale(1.0)
      -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @query_element_type_f64(%q: tensor<4x5x8xf64>, %k: tensor<4x7x8xf64>, %v: tensor<4x7x8xf64>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{query element type must be f16, bf16 or f32, got 'f64'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf64>, tensor<4x7x8xf64>, tensor<4x7x8xf64>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @query_element_type_integer(%q: tensor<4x5x8xi8>, %k: tensor<4x7x8xi8>, %v: tensor<4x7x8xi8>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{query element type must be f16, bf16 or f32, got 'i8'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xi8>, tensor<4x7x8xi8>, tensor<4x7x8xi8>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @key_element_type_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf16>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{query, key and value must have the same element type}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf16>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @value_element_type_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xbf16>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{query, key and value must have the same element type}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xbf16>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @output_element_type_f64(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf64>) {
  // expected-error @+1 {{output element type must be f16, bf16 or f32, got 'f64'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf64>) scale(1.0)
      -> tensor<4x5x8xf64>
  return
}

// -----

func.func @zero_scale(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got 0}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(0.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @negative_scale(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got -1.250000e-01}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(-0.125)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @infinite_scale(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got INF}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(0x7FF0000000000000)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @nan_scale(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got nan}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(0x7FF8000000000000)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @query_perm_wrong_length(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xf32>, %v: tensor<1x4x7x8xf32>, %init: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{query_perm must have 4 entries}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<1x4x7x8xf32>)
      outs(%init : tensor<1x4x5x8xf32>) scale(1.0) {query_perm = array<i64: 0, 2, 1>}
      -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @key_perm_repeated_entry(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xf32>, %v: tensor<1x4x7x8xf32>, %init: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{key_perm is not a permutation of [0, 4)}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<1x4x7x8xf32>)
      outs(%init : tensor<1x4x5x8xf32>) scale(1.0) {key_perm = array<i64: 0, 1, 1, 3>}
      -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @value_perm_entry_out_of_range(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xf32>, %v: tensor<1x4x7x8xf32>, %init: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{value_perm is not a permutation of [0, 4)}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<1x4x7x8xf32>)
      outs(%init : tensor<1x4x5x8xf32>) scale(1.0) {value_perm = array<i64: 0, 1, 2, 4>}
      -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @output_perm_negative_entry(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xf32>, %v: tensor<1x4x7x8xf32>, %init: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{output_perm is not a permutation of [0, 4)}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<1x4x7x8xf32>)
      outs(%init : tensor<1x4x5x8xf32>) scale(1.0) {output_perm = array<i64: -1, 1, 2, 3>}
      -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @key_batch_differs(%q: tensor<2x4x5x8xf32>, %k: tensor<3x4x7x8xf32>, %v: tensor<2x4x7x8xf32>, %init: tensor<2x4x5x8xf32>) {
  // expected-error @+1 {{batch dimension 0 of key (3) does not match query (2)}}
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<3x4x7x8xf32>, tensor<2x4x7x8xf32>)
      outs(%init : tensor<2x4x5x8xf32>) scale(1.0)
      -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @value_batch_differs(%q: tensor<2x6x4x5x8xf32>, %k: tensor<2x6x4x7x8xf32>, %v: tensor<2x5x4x7x8xf32>, %init: tensor<2x6x4x5x8xf32>) {
  // expected-error @+1 {{batch dimension 1 of value (5) does not match query (6)}}
  %r = attn.attention ins(%q, %k, %v : tensor<2x6x4x5x8xf32>, tensor<2x6x4x7x8xf32>, tensor<2x5x4x7x8xf32>)
      outs(%init : tensor<2x6x4x5x8xf32>) scale(1.0)
      -> tensor<2x6x4x5x8xf32>
  return
}

// -----

func.func @output_batch_differs(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>, %init: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{batch dimension 0 of output (1) does not match query (2)}}
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
      outs(%init : tensor<1x4x5x8xf32>) scale(1.0)
      -> tensor<1x4x5x8xf32>
  return
}

// -----

// The query's batch size is dynamic; key and value must still agree.
func.func @value_batch_differs_from_key_under_dynamic_query(%q: tensor<?x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<3x4x7x8xf32>, %init: tensor<?x4x5x8xf32>) {
  // expected-error @+1 {{batch dimension 0 of value (3) does not match key (2)}}
  %r = attn.attention ins(%q, %k, %v : tensor<?x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<3x4x7x8xf32>)
      outs(%init : tensor<?x4x5x8xf32>) scale(1.0)
      -> tensor<?x4x5x8xf32>
  return
}

// -----

func.func @key_value_heads_differ(%q: tensor<4x5x8xf32>, %k: tensor<2x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{key and value must have the same number of heads (2 vs 4)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<2x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @output_heads_differ(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<2x5x8xf32>) {
  // expected-error @+1 {{output heads (2) must equal query heads (4)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<2x5x8xf32>) scale(1.0)
      -> tensor<2x5x8xf32>
  return
}

// -----

func.func @query_heads_not_multiple_of_kv_heads(%q: tensor<4x5x8xf32>, %k: tensor<3x7x8xf32>, %v: tensor<3x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (3)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<3x7x8xf32>, tensor<3x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @zero_kv_heads(%q: tensor<?x5x8xf32>, %k: tensor<0x7x8xf32>, %v: tensor<0x7x8xf32>, %init: tensor<?x5x8xf32>) {
  // expected-error @+1 {{key/value heads must be non-zero}}
  %r = attn.attention ins(%q, %k, %v : tensor<?x5x8xf32>, tensor<0x7x8xf32>, tensor<0x7x8xf32>)
      outs(%init : tensor<?x5x8xf32>) scale(1.0)
      -> tensor<?x5x8xf32>
  return
}

// -----

// The key's head count is dynamic; the value's static count still applies.
func.func @query_heads_not_multiple_of_static_value_heads(%q: tensor<4x5x8xf32>, %k: tensor<?x7x8xf32>, %v: tensor<3x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (3)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<?x7x8xf32>, tensor<3x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

// The query's head count is dynamic; the output's static count still applies.
func.func @output_heads_not_multiple_of_kv_heads(%q: tensor<?x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<6x5x8xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4)}}
  %r = attn.attention ins(%q, %k, %v : tensor<?x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<6x5x8xf32>) scale(1.0)
      -> tensor<6x5x8xf32>
  return
}

// -----

func.func @key_value_seq_differ(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x6x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{key and value sequence lengths differ (7 vs 6)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x6x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @output_seq_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x6x8xf32>) {
  // expected-error @+1 {{output sequence length (6) must equal query sequence length (5)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x6x8xf32>) scale(1.0)
      -> tensor<4x6x8xf32>
  return
}

// -----

func.func @query_key_head_dim_differ(%q: tensor<4x5x8xf32>, %k: tensor<4x7x16xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{query head dim (8) must equal key head dim (16)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x16xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @value_output_head_dim_differ(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x16xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{output head dim (8) must equal value head dim (16)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x16xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

// Stored shapes agree, but value_perm makes the value's logical shape
// [1, 7, 4, 8]: 7 heads against the key's 4.
func.func @logical_mismatch_through_perm(%q: tensor<1x4x5x8xf32>, %k: tensor<1x4x7x8xf32>, %v: tensor<1x4x7x8xf32>, %init: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{key and value must have the same number of heads (4 vs 7)}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<1x4x7x8xf32>)
      outs(%init : tensor<1x4x5x8xf32>) scale(1.0) {value_perm = array<i64: 0, 2, 1, 3>}
      -> tensor<1x4x5x8xf32>
  return
}

// -----

func.func @mask_element_type_i8(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %mask: tensor<5x7xi8>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{mask element type must be i1 (keep-mask) or f16, bf16, f32 (additive), got 'i8'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      mask(%mask : tensor<5x7xi8>) outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @mask_element_type_f64(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %mask: tensor<5x7xf64>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{mask element type must be i1 (keep-mask) or f16, bf16, f32 (additive), got 'f64'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      mask(%mask : tensor<5x7xf64>) outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @mask_rank_exceeds_scores(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %mask: tensor<1x4x5x7xi1>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{mask rank (4) exceeds the scores rank (3)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      mask(%mask : tensor<1x4x5x7xi1>) outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @mask_not_broadcastable(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %mask: tensor<4x5x6xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{mask of shape 'tensor<4x5x6xf32>' is not broadcastable to the scores shape; mask dimension 2 (6) is neither 1 nor 7}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      mask(%mask : tensor<4x5x6xf32>) outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @mask_heads_not_broadcastable(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %mask: tensor<2x1x7xi1>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{mask dimension 0 (2) is neither 1 nor 4}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      mask(%mask : tensor<2x1x7xi1>) outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

// The query's Sq is dynamic; the output's static Sq still applies.
func.func @mask_not_broadcastable_to_static_output_rows(%q: tensor<4x?x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %mask: tensor<6x7xi1>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{mask dimension 0 (6) is neither 1 nor 5}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x?x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      mask(%mask : tensor<6x7xi1>) outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @lse_not_f32(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %linit: tensor<4x5xf16>) {
  // expected-error @+1 {{lse must have element type f32}}
  %r:2 = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x5xf16>) scale(1.0)
      -> tensor<4x5x8xf32>, tensor<4x5xf16>
  return
}

// -----

func.func @lse_wrong_rank(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %linit: tensor<4x5x1xf32>) {
  // expected-error @+1 {{lse must have rank 2 ([batch..., heads, seq])}}
  %r:2 = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x5x1xf32>) scale(1.0)
      -> tensor<4x5x8xf32>, tensor<4x5x1xf32>
  return
}

// -----

func.func @lse_seq_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %linit: tensor<4x6xf32>) {
  // expected-error @+1 {{lse dimension 1 (6) does not match the query rows (5)}}
  %r:2 = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x6xf32>) scale(1.0)
      -> tensor<4x5x8xf32>, tensor<4x6xf32>
  return
}

// -----

// The query's Sq is dynamic; the output's static Sq still applies.
func.func @lse_seq_differs_from_static_output(%q: tensor<4x?x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %linit: tensor<4x6xf32>) {
  // expected-error @+1 {{lse dimension 1 (6) does not match the query rows (5)}}
  %r:2 = attn.attention ins(%q, %k, %v : tensor<4x?x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x6xf32>) scale(1.0)
      -> tensor<4x5x8xf32>, tensor<4x6xf32>
  return
}

// -----

func.func @result_type_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{result type must equal the output init type}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf16>
  return
}

// -----

func.func @lse_result_type_differs(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %linit: tensor<4x5xf32>) {
  // expected-error @+1 {{lse result type must equal the lse init type}}
  %r:2 = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x5xf32>) scale(1.0)
      -> tensor<4x5x8xf32>, tensor<4x?xf32>
  return
}

// -----

func.func @missing_lse_result(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %linit: tensor<4x5xf32>) {
  // expected-error @+1 {{expected 2 result(s), one per init, got 1}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x5xf32>) scale(1.0)
      -> tensor<4x5x8xf32>
  return
}

// -----

func.func @extra_result_without_lse(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{expected 1 result(s), one per init, got 2}}
  %r:2 = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0)
      -> tensor<4x5x8xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @unknown_causal_alignment(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+2 {{expected ::mlir::attn::CausalAlignment to be one of: top_left, bottom_right}}
  // expected-error @+1 {{failed to parse Attn_CausalAttr parameter 'value'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>) outs(%init : tensor<4x5x8xf32>) scale(1.0) causal<diagonal> -> tensor<4x5x8xf32>
  return
}

// -----

func.func @causal_without_alignment(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{expected '<'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>) outs(%init : tensor<4x5x8xf32>) scale(1.0) causal -> tensor<4x5x8xf32>
  return
}

// -----

func.func @missing_scale(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{expected 'scale'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>) outs(%init : tensor<4x5x8xf32>) causal<top_left> -> tensor<4x5x8xf32>
  return
}

// -----

func.func @causal_offset_without_causal(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %off: index) {
  // expected-error @+1 {{causal_offset requires a causal mask}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>) outs(%init : tensor<4x5x8xf32>) scale(1.0) causal_offset(%off) -> tensor<4x5x8xf32>
  return
}
