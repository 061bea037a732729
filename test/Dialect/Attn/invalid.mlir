// RUN: attn-opt %s -split-input-file -verify-diagnostics

func.func @query_rank_below_3(%q: tensor<5x8xf32>, %k: tensor<7x8xf32>,
                              %v: tensor<7x8xf32>, %init: tensor<5x8xf32>) -> tensor<5x8xf32> {
  // expected-error @+1 {{query must have rank >= 3}}
  %o = attn.attention ins(%q, %k, %v : tensor<5x8xf32>, tensor<7x8xf32>, tensor<7x8xf32>)
         outs(%init : tensor<5x8xf32>) scale(1.0) -> tensor<5x8xf32>
  return %o : tensor<5x8xf32>
}

// -----

func.func @key_rank_differs(%q: tensor<4x5x8xf32>, %k: tensor<1x4x7x8xf32>,
                            %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  // expected-error @+1 {{key rank (4) must equal query rank (3)}}
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(1.0) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

func.func @mixed_element_types(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf16>,
                               %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  // expected-error @+1 {{query, key and value must have the same element type}}
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf16>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(1.0) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

func.func @zero_scale(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>,
                      %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  // expected-error @+1 {{scale must be finite and positive}}
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(0.0) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}
