{
  # build/Release/tinygrow.node: thin N-API wrappers over OpenBLAS (CBLAS + the Fortran
  # LAPACK symbols libopenblas exports; no LAPACKE), plus element-wise loops (elementwise.cc,
  # multiversioned for AVX2 with GCC's target_clones). -fno-trapping-math lets GCC
  # if-convert (vectorise) loops with float selects; we never read FP exception flags.
  # Needs libopenblas-dev.
  "targets": [
    {
      "target_name": "tinygrow",
      "sources": ["native/addon.cc", "native/blas.cc", "native/lapack.cc", "native/elementwise.cc", "native/im2col.cc", "native/pooling.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL"
      ],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-O2"],
      "cflags": ["-O3", "-fno-trapping-math"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-fno-trapping-math"],
      "libraries": ["-lopenblas"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3"
          }
        }]
      ]
    }
  ]
}
