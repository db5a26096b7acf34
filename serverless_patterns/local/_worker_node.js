// The process that runs one Node.js function's handler, like a Lambda execution environment.
// Started by serverless_patterns/local/workers.py as `node _worker_node.js FD_IN FD_OUT CONFIG_JSON`,
// with an environment built from scratch (NODE_PATH: the function's layers, then its code).
// Same protocol as _worker_python.py: frames of a 4-byte big-endian length and UTF-8 JSON; after
// each answer "\x1e<id>\x1e" on stdout marks the end of that invocation's logs.
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const fdIn = Number(process.argv[2]);
const fdOut = Number(process.argv[3]);
const config = JSON.parse(process.argv[4]);

function send(message) {
  const data = Buffer.from(JSON.stringify(message), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length, 0);
  const all = Buffer.concat([head, data]);
  let done = 0;
  while (done < all.length) {
    done += fs.writeSync(fdOut, all, done, all.length - done);
  }
}

function errorOf(err, type) {
  const isError = err instanceof Error;
  return {
    errorType: type || (isError ? err.name : typeof err),
    errorMessage: isError ? err.message : String(err),
    stackTrace: isError && err.stack ? err.stack.split("\n").slice(1).map((l) => l.trim()) : [],
  };
}

function endOfLogs(id) {
  fs.writeSync(1, "\x1e" + id + "\x1e");
}

async function load(handler) {
  const dot = handler.lastIndexOf(".");
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler '${handler}': expected module.function`), {
      lambdaType: "Runtime.MalformedHandlerName",
    });
  }
  const modulePath = handler.slice(0, dot);
  const name = handler.slice(dot + 1);
  const base = path.resolve(config.task_root, modulePath);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), {
      lambdaType: "Runtime.ImportModuleError",
    });
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), {
      lambdaType: "Runtime.ImportModuleError",
    });
  }
  const fn = mod[name] !== undefined ? mod[name] : mod.default && mod.default[name];
  if (typeof fn !== "function") {
    throw Object.assign(new Error(`${modulePath}.${name} is undefined or not exported`), {
      lambdaType: "Runtime.HandlerNotFound",
    });
  }
  return fn;
}

function context(request) {
  const deadline = Number(request.deadline);
  return {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: request.version,
    invokedFunctionArn: request.arn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: request.id,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function call(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    const callback = (err, value) => (err ? reject(err) : resolve(value));
    try {
      const out = handler(event, ctx, callback);
      if (out && typeof out.then === "function") out.then(resolve, reject);
      else if (handler.length < 3) resolve(out);
    } catch (err) {
      reject(err);
    }
  });
}

async function main() {
  process.chdir(config.task_root);
  let handler;
  try {
    handler = await load(config.handler);
  } catch (err) {
    send({ init_error: errorOf(err, err && err.lambdaType) });
    process.exit(0);
  }
  send({ ready: true });
  let buffer = Buffer.alloc(0);
  let busy = Promise.resolve();
  const input = fs.createReadStream(null, { fd: fdIn, highWaterMark: 1 << 16 });
  input.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4) {
      const size = buffer.readUInt32BE(0);
      if (buffer.length < 4 + size) break;
      const request = JSON.parse(buffer.subarray(4, 4 + size).toString("utf8"));
      buffer = buffer.subarray(4 + size);
      busy = busy.then(() => run(handler, request));
    }
  });
  input.on("end", () => process.exit(0));
}

async function run(handler, request) {
  const answer = { id: request.id };
  process.env._X_AMZN_TRACE_ID = request.trace_id || "";
  try {
    const value = await call(handler, JSON.parse(request.event), context(request));
    answer.payload = value === undefined ? "null" : JSON.stringify(value);
  } catch (err) {
    answer.error = errorOf(err);
  }
  endOfLogs(request.id);
  send(answer);
}

main();
