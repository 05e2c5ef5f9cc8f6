// Package drift compares how two deployments of the Members API behave: the
// mock and a target (staging, a real implementation, another mock). It sends
// the same kinds of requests to both — every operation for the personas,
// lists walked page by page, filters, paging edges, bad parameters, missing
// headers — and compares behaviour, never values: the status per kind of
// request, the headers that matter, the JSON shape of each operation learned
// over many responses, paging and error semantics. Where a dialect setting
// (spec.Dialect) explains a difference, the difference names it, so that a
// team can make the mock and the suite speak the target's dialect.
package drift
