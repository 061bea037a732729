// Verifier errors of the score_mod / mask_mod regions and of sinks.
// RUN: attn-opt %s -split-input-file -verify-diagnostics

func.func @score_mod_missing_index(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{score_mod region must take the 'f32' score and 3 index arguments (batch..., head, query, key), got 3 argument(s)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0) score_mod {
      ^bb0(%s: f32, %i: index, %j: index):
        attn.yield %s : f32
      } -> tensor<4x5x8xf32>
  return
}

// -----

func.func @score_mod_f16_score(%q: tensor<4x5x8xf16>, %k: tensor<4x7x8xf16>, %v: tensor<4x7x8xf16>, %init: tensor<4x5x8xf16>) {
  // expected-error @+1 {{score_mod region must take the 'f32' score and 3 index arguments}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf16>, tensor<4x7x8xf16>, tensor<4x7x8xf16>)
      outs(%init : tensor<4x5x8xf16>) scale(1.0) score_mod {
      ^bb0(%s: f16, %h: index, %i: index, %j: index):
        attn.yield %s : f16
      } -> tensor<4x5x8xf16>
  return
}

// -----

func.func @score_mod_yields_i1(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0) score_mod {
      ^bb0(%s: f32, %h: index, %i: index, %j: index):
        %t = arith.constant true
        // expected-error @+1 {{'attn.yield' op in score_mod must yield one 'f32' value}}
        attn.yield %t : i1
      } -> tensor<4x5x8xf32>
  return
}

// -----

func.func @mask_mod_takes_score(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  // expected-error @+1 {{mask_mod region must take 3 index arguments (batch..., head, query, key), got 4 argument(s)}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0) mask_mod {
      ^bb0(%s: f32, %h: index, %i: index, %j: index):
        %t = arith.constant true
        attn.yield %t : i1
      } -> tensor<4x5x8xf32>
  return
}

// -----

func.func @mask_mod_yields_two(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) {
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      outs(%init : tensor<4x5x8xf32>) scale(1.0) mask_mod {
      ^bb0(%h: index, %i: index, %j: index):
        %t = arith.constant true
        // expected-error @+1 {{'attn.yield' op in mask_mod must yield one 'i1' value}}
        attn.yield %t, %t : i1, i1
      } -> tensor<4x5x8xf32>
  return
}

// -----

func.func @yield_outside_attention() {
  // expected-error @+1 {{'attn.yield' op expects parent op 'attn.attention'}}
  attn.yield
}

// -----

func.func @sinks_f16(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %s: tensor<4xf16>) {
  // expected-error @+1 {{sinks must be a 1-D f32 tensor (one logit per query head), got 'tensor<4xf16>'}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
      sinks(%s : tensor<4xf16>) outs(%init : tensor<4x5x8xf32>) scale(1.0) -> tensor<4x5x8xf32>
  return
}

// -----

func.func @sinks_wrong_heads(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x7x8xf32>, %v: tensor<2x2x7x8xf32>, %init: tensor<2x4x5x8xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{sinks size (2) must equal the query heads (4)}}
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x2x7x8xf32>, tensor<2x2x7x8xf32>)
      sinks(%s : tensor<2xf32>) outs(%init : tensor<2x4x5x8xf32>) scale(1.0) -> tensor<2x4x5x8xf32>
  return
}
