// A small handler of the design documents' service (the documents give none): it logs what it got.
exports.handler = async (event) => {
  console.log(JSON.stringify({ handler: "createUser", records: (event.Records || []).length }));
  return { statusCode: 200, body: JSON.stringify({ handler: "createUser", id: (event.pathParameters || {}).id || null }) };
};
