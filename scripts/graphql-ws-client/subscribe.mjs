// Subscribes with the npm graphql-ws client and prints each result as a line of JSON, then {"ended":
// code} when the socket closes. Usage: node subscribe.mjs WS_URL QUERY [TOKEN]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, query, token] = process.argv.slice(2);
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
  retryAttempts: 0,
  lazy: false,
  on: {
    connected: () => print({ connected: true }),
    closed: (e) => { print({ ended: e.code }); process.exit(0); },
  },
});
client.subscribe({ query }, {
  next: (r) => print(r),
  error: (e) => print({ error: String(e && (e.message || e.reason || e.code) || e) }),
  complete: () => print({ complete: true }),
});
