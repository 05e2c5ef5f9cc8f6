// Package mockserver serves Entur's loyalty Members API from seeded fixtures.
//
// New builds a gin engine that answers the nine operations of the contract
// with data from a fixtures.Dataset, pages and filters exactly as the contract
// says, validates every request against the embedded OpenAPI document (package
// spec) and answers every failure with the contract's Error body. Beside the
// API it serves /healthz, the document itself (/openapi.yaml, /openapi.json)
// and /__mock/catalog, which tells people and tools which programs and persona
// members the mock holds.
//
// A control plane lets frontends and QA reach every state a screen has
// (docs/frontend.md): the Prefer header forces any status the spec documents
// or a delay on one request; fault rules (POST /__mock/faults) answer an
// error, delay or drop the connection for matching requests, firing always,
// every Nth time, the next N times or with a seeded probability; a journal
// (GET /__mock/requests) keeps the last requests with whether they and their
// answers kept to the spec; fixture overlays (Config.FixturesFile, POST
// /__mock/fixtures) add or change data; POST /__mock/reset goes back to the
// start. The data is held as one immutable state that these swap atomically.
package mockserver
