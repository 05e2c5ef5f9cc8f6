// Compiled by make docs-check: the generated types must let a client read the open objects
// without a cast, and describe the control plane.
import type { components as api } from "./gen/members";
import type { components as control } from "./gen/control";

type Transaction = api["schemas"]["Transaction"];
type PointPeriod = api["schemas"]["PointPeriod"];
type Member = api["schemas"]["Member"];
type SuspensionPeriod = api["schemas"]["SuspensionPeriod"];

export function orderOf(tx: Transaction): string | undefined {
  return tx.metadata?.orderId;
}
export function route(pp: PointPeriod): string | undefined {
  const pair = pp.metadata?.stationPair;
  return pair ? `${pair.from} → ${pair.to}` : undefined;
}
export function userType(m: Member): string | undefined {
  return m.metadata?.userType;
}
export function reason(s: SuspensionPeriod): string | undefined {
  return s.metadata?.reason;
}
export function firstPersona(c: control["schemas"]["Catalog"]): number | undefined {
  return c.programs[0]?.personas.regular;
}
export function ruleIds(l: control["schemas"]["FaultList"]): number[] {
  return l.rules.map((r) => r.id);
}
