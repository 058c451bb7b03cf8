// Starts GraphiQL against the hub's own /graphql. Everything it loads is served by the hub (see
// web/graphiql/vendor/VERSIONS), so it works offline and under a Content-Security-Policy of 'self'.
'use strict';
(function () {
  const el = document.getElementById('graphiql');
  const fetcher = GraphiQL.createFetcher({url: new URL(el.dataset.endpoint, location.href).toString()});
  ReactDOM.createRoot(el).render(React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: el.dataset.defaultQuery,
    // The headers tab is where a token goes; it is shown open so that a newcomer finds it. Headers are
    // not kept in the browser's storage, so a token does not outlive the tab.
    defaultEditorToolsVisibility: 'headers',
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  }));
})();
