// Turns the hub's and PostGraphile's answers to the members query into one shape, so that
// scripts/bench-peers.sh can byte-compare them: `node normalise.mjs hub|postgraphile < response.json`.
// What differs only by API design goes; everything a reader sees stays, in the order it was served:
//   - global IDs: the hub's are base64url("Member:1"), PostGraphile's base64(["Member","1"]); both
//     become "Member:1", so the same rows must be named;
//   - a practice's tools: a list in the hub, a connection ({nodes}) in PostGraphile; both become a list;
//   - the hub's `extensions` (the query's cost) go; any `errors` fail the comparison.
import { readFileSync } from "node:fs";

const system = process.argv[2];
const res = JSON.parse(readFileSync(0, "utf8"));
if (res.errors || !res.data?.members) {
  console.error(`${system} answered with errors: ${JSON.stringify(res.errors ?? res).slice(0, 2000)}`);
  process.exit(1);
}

function memberID(id) {
  if (system === "hub") {
    return Buffer.from(id, "base64url").toString("utf8");
  }
  const [type, key] = JSON.parse(Buffer.from(id, "base64").toString("utf8"));
  return `${type}:${key}`;
}

const m = res.data.members;
const out = {
  totalCount: m.totalCount,
  members: m.edges.map(({ node: n }) => ({
    id: memberID(n.id),
    name: n.name,
    country: n.country.code,
    bestPractices: {
      totalCount: n.bestPractices.totalCount,
      nodes: n.bestPractices.nodes.map((p) => ({
        title: p.title,
        tools: (system === "hub" ? p.tools : p.tools.nodes).map((t) => t.name),
      })),
    },
  })),
};
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
