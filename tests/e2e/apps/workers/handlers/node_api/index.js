// A plain Node.js handler behind a REST API.
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    path: event.path,
    runtime: process.env.AWS_EXECUTION_ENV,
    node: process.version,
    hostSecret: process.env.HOST_SECRET || null,
  }),
});
