"use strict";
// Loaded first (NODE_OPTIONS=--require, set by serverless_patterns/_toolchain.py) by the Node.js
// processes started from a Python that imported serverless_patterns, or that the library starts.
// It acts in one of them only: jsii's kernel, the Node.js process that runs aws-cdk-lib for Python.
//
// There, it keeps WebAssembly in V8's baseline compiler (Liftoff). aws-cdk-lib validates every
// template it synthesizes with a WebAssembly module; by default V8 recompiles that module's hot
// functions with its optimizing compiler (TurboFan) on background threads, which costs about a
// second of CPU in a synth of the five patterns, and the kernel's exit waits for it. A budget no
// run reaches means no recompilation; Liftoff-compiled code stays, and TurboFan is still used for
// any function Liftoff cannot compile. NODE_OPTIONS cannot carry this V8 flag, hence this file.
const fs = require("fs");
const path = require("path");

const FLAG = "--wasm-tiering-budget=2000000000";

// jsii's Python runtime writes bin/jsii-runtime.js and lib/program.js into a new directory and runs
// the first, which starts the kernel as `node [its flags] --preserve-symlinks <dir>/lib/program.js`.
function isJsiiKernel(argv) {
  const script = argv[1];
  if (typeof script !== "string" || path.basename(script) !== "program.js") {
    return false;
  }
  return fs.existsSync(path.join(path.dirname(script), "..", "bin", "jsii-runtime.js"));
}

if (isJsiiKernel(process.argv)) {
  require("v8").setFlagsFromString(FLAG);
}

module.exports = { isJsiiKernel };
