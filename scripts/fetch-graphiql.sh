#!/usr/bin/env bash
# Fetches GraphiQL and the React it runs on from npm, at pinned versions, into web/graphiql/vendor/,
# where they are checked in and embedded into the binary: GraphiQL then loads nothing from a CDN, works
# without internet and tells no third party about its visitors. Run it only to change a version; the
# build needs no npm. The versions are the ones gqlgen's playground used from a CDN.
set -euo pipefail
GRAPHIQL=4.1.2
REACT=18.2.0
cd "$(dirname "$0")/../web/graphiql/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pkg in "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT"; do
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
done
for f in "$tmp"/*.tgz; do
  d="$tmp/$(basename "$f" .tgz)"
  mkdir -p "$d" && tar xzf "$f" -C "$d"
done
cp "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.js" "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.css" .
cp "$tmp/react-$REACT/package/umd/react.production.min.js" .
cp "$tmp/react-dom-$REACT/package/umd/react-dom.production.min.js" .
# The bundles end in a sourceMappingURL the hub does not serve; without it the browser asks for nothing.
sed -i '/^\/\/# sourceMappingURL=/d; s#//\# sourceMappingURL=[^ ]*\.map##' graphiql.min.js
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' graphiql.min.css
{
  echo "Embedded by web/web.go; fetched by scripts/fetch-graphiql.sh from npm. All MIT-licensed."
  echo
  echo "graphiql $GRAPHIQL   graphiql.min.js, graphiql.min.css   https://github.com/graphql/graphiql"
  echo "react $REACT        react.production.min.js             https://github.com/facebook/react"
  echo "react-dom $REACT    react-dom.production.min.js         https://github.com/facebook/react"
  echo
  sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js
} >VERSIONS
{
  for p in "graphiql-$GRAPHIQL" "react-$REACT"; do
    echo "==== ${p%-*} (and react-dom) ====" | sed 's/graphiql (and react-dom)/graphiql/'
    cat "$tmp/$p/package/LICENSE"
    echo
  done
} >LICENSES
