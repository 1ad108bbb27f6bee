{
  "targets": [
    {
      "target_name": "zfscope_native",
      "sources": ["src/addon.cc", "src/context.cc", "src/conv.cc", "src/matmul.cc", "src/pool.cc", "src/reduce.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp", "-Wall", "-Wextra"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
