// Package mockserver serves Entur's loyalty Members API from seeded fixtures.
//
// New builds a gin engine that answers the nine operations of the contract
// with data from a fixtures.Dataset, pages and filters exactly as the contract
// says, validates every request against the embedded OpenAPI document (package
// spec) and answers every failure with the contract's Error body. Beside the
// API it serves /healthz, the document itself (/openapi.yaml, /openapi.json)
// and /__mock/catalog, which tells people and tools which programs and persona
// members the mock holds.
package mockserver
