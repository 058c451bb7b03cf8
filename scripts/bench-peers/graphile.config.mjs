// PostGraphile 5 for scripts/bench-peers.sh: the hub's tables in schema public, with the many-to-many
// and connection-filter plugins (link tables become fields; connections take `filter`), served as one
// would in production: no watch, no GraphiQL, no explain, NODE_ENV=production (the script sets it).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { jsonPgSmartTags } from "postgraphile/utils";
import { PgManyToManyPreset } from "@graphile-contrib/pg-many-to-many";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

// The hub hides drafts and proposed tools from anonymous readers; the equivalent query filters on
// best_practice.status and digital_tool.review_status, which PostGraphile only lets one filter by when
// indexed (neither is; the hub's own statements filter them unindexed too). search_change is the
// search outbox, whose xid8 column PostGraphile has no codec for: hidden, so that startup warns about it
// once rather than for every field built from it.
const tags = jsonPgSmartTags({
  version: 1,
  config: {
    class: {
      best_practice: { attribute: { status: { tags: { behavior: "+attribute:filterBy" } } } },
      digital_tool: { attribute: { review_status: { tags: { behavior: "+attribute:filterBy" } } } },
      search_change: { tags: { behavior: "-*" } },
    },
  },
});

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PgManyToManyPreset, PostGraphileConnectionFilterPreset],
  plugins: [tags],
  pgServices: [makePgService({ connectionString: process.env.BENCH_PG_URL, schemas: ["public"] })],
  grafserv: { host: "127.0.0.1", port: Number(process.env.BENCH_PG_PORT), graphiql: false, watch: false },
  grafast: { explain: false },
};

export default preset;
