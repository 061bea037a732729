// RUN: attn-opt %s --attn-map-linalg-to-gpu=block-size=2048 -verify-diagnostics

// expected-error @below {{attn-map-linalg-to-gpu: block-size must be in [1, 1024], not 2048}}
module {
}
