/*
 * Smart Communities Hub: the partner dashboard.
 *
 * Plain JavaScript with no build step and no library. The page's Content-Security-Policy allows only this
 * file and style.css, so the charts are SVG elements built here and styled through classes, never through
 * style attributes. Every number comes from the hub's GraphQL API at /graphql.
 */
'use strict';

(() => {
  const TOKEN_KEY = 'hubToken';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const DEADLINE_DAYS = 120;
  const DAY_MS = 86_400_000;
  const SEARCH_PAGE = 20;
  const FACET_BUTTONS_SHOWN = 8;

  const numberFormat = new Intl.NumberFormat('en-GB');
  const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const euroFormat = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
  // Dates of the API are calendar days; formatting them in UTC keeps them from shifting a day.
  const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const monthFormat = new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' });
  const monthYearFormat = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

  const TYPE_LABELS = {
    BEST_PRACTICE: 'Best practice',
    DIGITAL_TOOL: 'Digital tool',
    FUNDING_OPPORTUNITY: 'Funding call',
    MEMBER: 'Member',
  };
  const TYPE_OF_TYPENAME = {
    BestPractice: 'BEST_PRACTICE',
    DigitalTool: 'DIGITAL_TOOL',
    FundingOpportunity: 'FUNDING_OPPORTUNITY',
    Member: 'MEMBER',
  };
  const FACET_NAMES = {
    type: 'Type', theme: 'Theme', country: 'Country', language: 'Language', year: 'Year',
    programme: 'Programme', status: 'Status',
  };

  const state = {
    token: readStoredToken(),
    ref: { themes: new Map(), countries: new Map(), programmes: new Map() },
    chartData: { countries: null, themes: null, deadlines: null },
    members: [],
    memberSlug: '',
    memberSeq: 0,
    firstLoadDone: false,
    search: { selected: new Map(), expanded: new Set(), facets: [], controller: null, ran: false, facetsOpen: null },
  };

  /* ---------- small helpers ---------- */

  const $ = (selector) => document.querySelector(selector);

  function build(node, attrs, children) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'text') node.textContent = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }
  const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
  const svg = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

  const num = (n) => numberFormat.format(n);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const plural = (n, one, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

  function humanise(code) {
    const text = String(code).toLowerCase().replace(/_/g, ' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function languageName(code) {
    try {
      return languageNames.of(code) || code;
    } catch {
      return code;
    }
  }

  function formatEuros(amount) {
    if (amount >= 1e9) return `€${oneDecimal.format(amount / 1e9)} billion`;
    if (amount >= 1e6) return `€${oneDecimal.format(amount / 1e6)} million`;
    return euroFormat.format(amount);
  }

  const parseDay = (iso) => {
    const [y, m, d] = iso.split('-').map(Number);
    return Date.UTC(y, m - 1, d);
  };
  const formatDay = (iso) => dayFormat.format(parseDay(iso));

  function daysLeftText(days) {
    if (days <= 0) return 'Today';
    if (days === 1) return 'Tomorrow';
    return `${num(days)} days left`;
  }

  function showError(target, message, retry) {
    const box = typeof target === 'string' ? $(target) : target;
    box.replaceChildren(h('p', { class: 'error', role: 'alert', text: message }));
    if (retry) {
      box.append(h('button', { type: 'button', class: 'button button-quiet', onclick: retry, text: 'Try again' }));
    }
    box.hidden = false;
  }

  function hideError(selector) {
    const box = $(selector);
    box.hidden = true;
    box.replaceChildren();
  }

  let measureContext = null;
  let fontFamily = 'sans-serif';
  // Text widths for laying out SVG labels, measured in the page's font rather than guessed.
  function textWidth(text, size, weight = 400) {
    if (!measureContext) {
      measureContext = document.createElement('canvas').getContext('2d');
      fontFamily = getComputedStyle(document.body).fontFamily || fontFamily;
    }
    measureContext.font = `${weight} ${size}px ${fontFamily}`;
    return measureContext.measureText(text).width;
  }

  function fitText(text, maxWidth, size, weight) {
    if (textWidth(text, size, weight) <= maxWidth) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (textWidth(`${text.slice(0, mid).trimEnd()}…`, size, weight) <= maxWidth) lo = mid;
      else hi = mid - 1;
    }
    return `${text.slice(0, lo).trimEnd()}…`;
  }

  // Charts are drawn at the width they get, so that their text stays legible from 320px up.
  function chartWidth(body) {
    return Math.max(260, Math.round(body.getBoundingClientRect().width));
  }

  /* ---------- the API ---------- */

  function readStoredToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return ''; // storage disabled: no token survives a reload
    }
  }

  function storeToken(token) {
    state.token = token;
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage disabled: the token lives in memory only */
    }
  }

  class ApiError extends Error {
    constructor(message, code) {
      super(message);
      this.name = 'ApiError';
      this.code = code;
    }
  }

  function friendlyMessage(status, error) {
    const code = error?.extensions?.code;
    if (status === 429) return 'The hub is receiving too many requests. Wait a moment and try again.';
    if (code === 'SEARCH_UNAVAILABLE') return 'The search index is still being built. Try again in a moment.';
    if (code === 'BAD_QUERY') return `The search could not be understood: ${error.message}.`;
    if (status >= 500 || code === 'INTERNAL_SERVER_ERROR') return 'The hub had a problem answering. Try again later.';
    if (error?.message) return `The hub could not answer: ${error.message}.`;
    return `The hub answered with an unexpected error (HTTP ${status}).`;
  }

  /**
   * Posts a GraphQL operation. `query` may be a function of whether a token is sent, for fields only
   * signed-in callers may ask for. Resolves to {data, errors}; rejects with an ApiError carrying a message
   * fit to show, or with the AbortError of a cancelled request.
   */
  async function gql(query, variables, signal) {
    const token = state.token;
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const text = typeof query === 'function' ? query(Boolean(token)) : query;
    let response;
    try {
      response = await fetch('/graphql', {
        method: 'POST', headers, signal, body: JSON.stringify({ query: text, variables }),
      });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new ApiError('The hub could not be reached. Check your connection and try again.', 'NETWORK');
    }
    const body = await response.json().catch(() => null);
    const errors = body?.errors ?? [];
    if (response.status === 401 && token) {
      // A wrong, revoked or expired token: say so, then carry on with public data.
      rejectToken(errors[0]?.message);
      return gql(query, variables, signal);
    }
    if (!response.ok || !body?.data) {
      throw new ApiError(friendlyMessage(response.status, errors[0]), errors[0]?.extensions?.code);
    }
    return { data: body.data, errors };
  }

  /* ---------- access ---------- */

  function rejectToken(reason) {
    storeToken('');
    const box = $('#token-error');
    box.textContent = `That token was not accepted${reason ? ` (${reason})` : ''}. Showing public data only.`;
    box.hidden = false;
  }

  function renderViewer(viewer) {
    const out = $('#viewer');
    out.classList.toggle('signed-in', Boolean(viewer.role));
    if (!viewer.role) {
      out.textContent = 'Anonymous — public data only';
      return;
    }
    const details = [viewer.member?.name, viewer.token?.name].filter(Boolean).join(' · ');
    out.textContent = `Signed in as ${viewer.role}${details ? ` · ${details}` : ''}`;
  }

  function onTokenSubmit(event) {
    event.preventDefault();
    const input = $('#token-input');
    const token = input.value.trim();
    const box = $('#token-error');
    if (!token) {
      box.textContent = 'Paste a partner token first, or use Clear to see public data.';
      box.hidden = false;
      input.focus();
      return;
    }
    box.hidden = true;
    input.value = '';
    storeToken(token);
    reloadAll();
    connectLive();
  }

  function onTokenClear() {
    $('#token-input').value = '';
    $('#token-error').hidden = true;
    storeToken('');
    reloadAll();
    connectLive();
  }

  /* ---------- first load ---------- */

  const STATS_FIELDS = `
    members { total municipalitiesRepresented
      byCountry { key label count municipalitiesRepresented } byKind { key label count } }
    bestPractices { total byTheme { key label count } byYear { key count }
      byThemeAndYear { key label buckets { key count } } }
    fundingOpportunities { total totalBudget byStatus { key count totalBudget }
      upcomingDeadlines(days: $days) { date daysLeft final
        fundingOpportunity { id identifier title status url programme { code name } } } }
    digitalTools { total byLicence { key count } }`;

  // One request for everything but the member page and search. Draft counts exist only for tokens.
  const overviewQuery = (signedIn) => `query DashboardOverview($days: Int!) {
    viewer { role member { name } token { name } }
    ${signedIn ? 'draftBestPracticeCount' : ''}
    members(first: 100, orderBy: {field: NAME}) { totalCount nodes { slug name country { code name } } }
    themes { code name }
    countries { code name }
    programmes { code name }
    stats { ${STATS_FIELDS} }
  }`;

  async function loadOverview() {
    hideError('#figures-error');
    try {
      const { data } = await gql(overviewQuery, { days: DEADLINE_DAYS });
      state.ref = {
        themes: new Map(data.themes.map((t) => [t.code, t.name])),
        countries: new Map(data.countries.map((c) => [c.code, c.name])),
        programmes: new Map(data.programmes.map((p) => [p.code, p.name])),
      };
      renderViewer(data.viewer);
      renderFigures(data.stats, data.draftBestPracticeCount);
      state.chartData.countries = data.stats.members.byCountry;
      state.chartData.deadlines = data.stats.fundingOpportunities.upcomingDeadlines;
      renderCountryChart();
      state.chartData.themes = data.stats.bestPractices;
      renderThemeChart();
      renderTimeline();
      populateMembers(data.members.nodes);
      return true;
    } catch (err) {
      showOverviewError(err);
      return false;
    }
  }

  function showOverviewError(err) {
    const message = `The dashboard's figures could not be loaded. ${err.message}`;
    showError('#figures-error', message, reloadAll);
    for (const id of ['members-by-country', 'practices-by-theme', 'funding-timeline']) {
      const body = document.getElementById(id).querySelector('.chart-body');
      body.replaceChildren(h('p', { class: 'error', text: 'This chart is unavailable: its data could not be loaded.' }));
      document.getElementById(id).removeAttribute('aria-busy');
    }
    $('#figures').removeAttribute('aria-busy');
    if (!state.members.length) {
      $('#member-select').replaceChildren(h('option', { text: 'Unavailable' }));
      showError('#member-error', 'The list of members could not be loaded.');
      $('#member-view').removeAttribute('aria-busy');
      $('#member-view').dataset.state = 'done';
    }
    const viewer = $('#viewer');
    if (viewer.textContent === 'Checking access…') viewer.textContent = 'Access unknown: the hub did not answer.';
  }

  async function loadDashboard() {
    document.body.dataset.ready = 'false';
    const ok = await loadOverview();
    if (ok) await loadMember(state.memberSlug);
    document.body.dataset.ready = 'true';
    if (!state.firstLoadDone) {
      state.firstLoadDone = true;
      window.dashboardLoadMs = Math.round(performance.now());
    }
  }

  // After the overview, so that a rejected token is found out by one request, not by two at once.
  async function reloadAll() {
    await loadDashboard();
    if (state.search.ran) runSearch();
  }

  /* ---------- key figures ---------- */

  function setFigure(name, value, sub) {
    const figure = document.querySelector(`[data-figure="${name}"]`);
    // "€304.0 million": the unit in smaller type, the element's text still the whole figure.
    const [, amount, unit] = /^(.*?)( million| billion)?$/.exec(value);
    figure.replaceChildren(amount, unit ? h('span', { class: 'unit', text: unit }) : '');
    document.querySelector(`[data-sub="${name}"]`).textContent = sub;
  }

  function renderFigures(stats, drafts) {
    const { members, bestPractices, fundingOpportunities: funding, digitalTools } = stats;
    const byStatus = new Map(funding.byStatus.map((b) => [b.key, b]));
    const open = byStatus.get('OPEN')?.count ?? 0;
    const forthcoming = byStatus.get('FORTHCOMING')?.count ?? 0;
    const live = ['OPEN', 'FORTHCOMING'].map((k) => byStatus.get(k)).filter(Boolean);
    // Budgets are exact decimal strings; Number is precise enough for a figure rounded to €0.1 million.
    const liveBudget = sum(live.map((b) => Number(b.totalBudget ?? 0)));
    const national = members.byKind.find((b) => b.key === 'NATIONAL_ASSOCIATION')?.count ?? 0;
    const stated = digitalTools.byLicence.filter((b) => b.key !== 'NOASSERTION');

    setFigure('members', num(members.total), `${plural(national, 'national association')} among them`);
    setFigure('municipalities', num(members.municipalitiesRepresented),
      `across ${plural(members.byCountry.length, 'country', 'countries')}`);
    setFigure('practices', num(bestPractices.total), typeof drafts === 'number'
      ? `plus ${plural(drafts, 'draft')} in progress`
      : `on ${plural(bestPractices.byTheme.length, 'theme')}`);
    setFigure('open-calls', num(open + forthcoming), `${num(open)} open · ${num(forthcoming)} forthcoming`);
    setFigure('budget', live.some((b) => b.totalBudget) ? formatEuros(liveBudget) : 'Not stated',
      funding.totalBudget ? `of ${formatEuros(Number(funding.totalBudget))} in all ${num(funding.total)} calls` : '');
    setFigure('tools', num(digitalTools.total),
      `${plural(sum(stated.map((b) => b.count)), 'tool')} with a stated licence`);
    $('#figures').removeAttribute('aria-busy');
  }

  /* ---------- chart: members by country ---------- */

  function chartSvg(width, height, titleText, descText, idBase) {
    return svg('svg', {
      class: 'chart-svg', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img',
      'aria-labelledby': `${idBase}-title ${idBase}-desc`, preserveAspectRatio: 'xMinYMin meet',
    }, svg('title', { id: `${idBase}-title`, text: titleText }), svg('desc', { id: `${idBase}-desc`, text: descText }));
  }

  function integerTicks(max, most = 6) {
    const step = Math.max(1, Math.ceil(max / most));
    const ticks = [];
    for (let t = 0; t <= max; t += step) ticks.push(t);
    return ticks;
  }

  function renderCountryChart() {
    const buckets = state.chartData.countries;
    if (!buckets) return;
    const figure = $('#members-by-country');
    const body = figure.querySelector('.chart-body');
    figure.removeAttribute('aria-busy');
    fillCountryTable(figure.querySelector('[data-table]'), buckets);
    if (!buckets.length) {
      body.replaceChildren(h('p', { class: 'empty', text: 'No members yet.' }));
      return;
    }
    const width = chartWidth(body);
    const rowH = 26;
    const barH = 16;
    const top = 6;
    const axisH = 26;
    const labelW = Math.min(width * 0.42, Math.max(...buckets.map((b) => textWidth(b.label, 13))) + 12);
    const valueW = 28;
    const plotW = width - labelW - valueW;
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const x = (v) => labelW + (v / max) * plotW;
    const height = top + buckets.length * rowH + axisH;
    const desc = buckets.map((b) => `${b.label} ${b.count}`).join(', ');
    const chart = chartSvg(width, height, 'Member organisations by home country',
      `Bar chart of ${buckets.length} countries: ${desc}.`, 'country-chart');

    for (const t of integerTicks(max)) {
      chart.append(
        svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: top, y2: top + buckets.length * rowH }),
        svg('text', { class: 'tick', x: x(t), y: height - 8, 'text-anchor': 'middle', text: num(t) }),
      );
    }
    buckets.forEach((b, i) => {
      const y = top + i * rowH + (rowH - barH) / 2;
      const municipalities = b.municipalitiesRepresented === null
        ? 'municipalities represented not stated'
        : `${num(b.municipalitiesRepresented)} municipalities represented`;
      const tip = `${b.label}: ${plural(b.count, 'member')}, ${municipalities}`;
      chart.append(svg('g', { class: 'bar-row' },
        svg('text', { class: 'label', x: labelW - 8, y: y + barH / 2, dy: '0.35em', 'text-anchor': 'end', text: b.label }),
        svg('rect', {
          class: 'bar', x: labelW, y, width: Math.max(2, x(b.count) - labelW), height: barH, rx: 2,
          'data-key': b.key, 'data-count': b.count,
        }, svg('title', { text: tip })),
        svg('text', { class: 'value', x: x(b.count) + 6, y: y + barH / 2, dy: '0.35em', text: num(b.count) }),
      ));
    });
    body.replaceChildren(chart);
    body.dataset.width = String(width);
  }

  function fillCountryTable(target, buckets) {
    const rows = buckets.map((b) => h('tr', {},
      h('th', { scope: 'row', text: b.label }),
      h('td', { class: 'num', text: num(b.count) }),
      h('td', { class: 'num', text: b.municipalitiesRepresented === null ? '—' : num(b.municipalitiesRepresented) })));
    target.replaceChildren(h('table', {},
      h('caption', { text: 'Member organisations and municipalities they represent, by home country' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Country' }),
        h('th', { scope: 'col', class: 'num', text: 'Members' }),
        h('th', { scope: 'col', class: 'num', text: 'Municipalities' }))),
      h('tbody', {}, rows)));
  }

  /* ---------- chart: practices by theme over time ---------- */

  // One small chart per theme on a shared scale: thirteen themes are unreadable as colours of one
  // stacked chart, but easy to compare side by side.
  function renderThemeChart() {
    const stats = state.chartData.themes;
    if (!stats) return;
    const figure = $('#practices-by-theme');
    const body = figure.querySelector('.chart-body');
    const series = stats.byThemeAndYear;
    figure.removeAttribute('aria-busy');
    const yearKeys = [...stats.byYear.map((b) => Number(b.key)),
      ...series.flatMap((s) => s.buckets.map((b) => Number(b.key)))];
    if (!series.length || !yearKeys.length) {
      body.replaceChildren(h('p', { class: 'empty', text: 'No best practices yet.' }));
      figure.querySelector('[data-table]').replaceChildren();
      return;
    }
    const years = [];
    for (let y = Math.min(...yearKeys); y <= Math.max(...yearKeys); y++) years.push(y);
    const max = Math.max(1, ...series.flatMap((s) => s.buckets.map((b) => b.count)));
    figure.querySelector('[data-scale]').textContent = `Every theme on the same scale, 0 to ${num(max)}`;

    // Lay the panels out first, then draw each chart at the width its grid cell got.
    const panels = series.map((theme) => themePanel(theme));
    const grid = h('div', { class: 'multiples' }, panels.map((p) => p.panel));
    body.replaceChildren(grid);
    const width = Math.max(150, Math.round(panels[0].panel.getBoundingClientRect().width));
    for (const { panel, theme } of panels) panel.append(themeChart(theme, years, max, width));
    body.dataset.width = String(chartWidth(body));
    fillThemeTable(figure.querySelector('[data-table]'), series, years);
  }

  function themePanel(theme) {
    const total = sum(theme.buckets.map((b) => b.count));
    const panel = h('div', { class: 'multiple' },
      h('p', { class: 'multiple-title' },
        h('span', { text: theme.label }), h('span', { class: 'multiple-total', text: num(total) })));
    return { panel, theme };
  }

  function themeChart(theme, years, max, W) {
    const H = 100;
    const top = 16;
    const bottom = 20;
    const col = (W - 8) / years.length;
    const barW = Math.min(28, col * 0.64);
    const plotH = H - top - bottom;
    const counts = new Map(theme.buckets.map((b) => [Number(b.key), b.count]));
    const total = sum(theme.buckets.map((b) => b.count));
    const desc = years.map((y) => `${y}: ${counts.get(y) ?? 0}`).join(', ');
    const chart = chartSvg(W, H, `${theme.label}: ${plural(total, 'practice')}`, `By year, ${desc}.`, `theme-${theme.key}`);
    chart.append(svg('line', { class: 'baseline', x1: 4, x2: W - 4, y1: H - bottom, y2: H - bottom }));

    years.forEach((year, i) => {
      const cx = 4 + col * i + col / 2;
      const label = col >= textWidth('2000', 12) + 6 ? String(year) : `’${String(year).slice(2)}`;
      chart.append(svg('text', { class: 'tick', x: cx, y: H - 5, 'text-anchor': 'middle', text: label }));
      const count = counts.get(year);
      if (!count) return;
      const barH = (count / max) * plotH;
      chart.append(
        svg('rect', {
          class: 'theme-bar', x: cx - barW / 2, y: H - bottom - barH, width: barW, height: barH, rx: 1.5,
          'data-key': theme.key, 'data-year': year, 'data-count': count,
        }, svg('title', { text: `${theme.label}, ${year}: ${plural(count, 'practice')}` })),
        svg('text', { class: 'value', x: cx, y: H - bottom - barH - 4, 'text-anchor': 'middle', text: num(count) }),
      );
    });
    return chart;
  }

  function fillThemeTable(target, series, years) {
    const head = h('tr', {}, h('th', { scope: 'col', text: 'Theme' }),
      years.map((y) => h('th', { scope: 'col', class: 'num', text: String(y) })),
      h('th', { scope: 'col', class: 'num', text: 'Total' }));
    const rows = series.map((theme) => {
      const counts = new Map(theme.buckets.map((b) => [Number(b.key), b.count]));
      return h('tr', {}, h('th', { scope: 'row', text: theme.label }),
        years.map((y) => h('td', { class: 'num', text: num(counts.get(y) ?? 0) })),
        h('td', { class: 'num total', text: num(sum(theme.buckets.map((b) => b.count))) }));
    });
    target.replaceChildren(h('table', {},
      h('caption', { text: 'Best practices by theme and year' }),
      h('thead', {}, head), h('tbody', {}, rows)));
  }

  /* ---------- chart: funding deadline timeline ---------- */

  function renderTimeline() {
    const deadlines = state.chartData.deadlines;
    if (!deadlines) return;
    const figure = $('#funding-timeline');
    const body = figure.querySelector('.chart-body');
    figure.removeAttribute('aria-busy');
    fillDeadlineList(figure.querySelector('[data-list]'), deadlines);
    if (!deadlines.length) {
      body.replaceChildren(h('p', { class: 'empty', text: `No call has a deadline in the next ${DEADLINE_DAYS} days.` }));
      return;
    }
    // "Today" as the hub reckons it (Brussels), from the first deadline and its days left.
    const start = parseDay(deadlines[0].date) - deadlines[0].daysLeft * DAY_MS;
    const end = start + DEADLINE_DAYS * DAY_MS;
    const width = chartWidth(body);
    const padL = 2;
    const padR = 12;
    const axisH = 30;
    const x = (ms) => padL + ((ms - start) / (end - start)) * (width - padL - padR);
    const rows = [];
    let y = axisH;
    for (const d of deadlines) {
      const row = deadlineRow(d, y, x, width - padL - padR - TEXT_X);
      rows.push(row.node);
      y += row.height;
    }
    const chart = chartSvg(width, y + 4, `Funding deadlines in the next ${DEADLINE_DAYS} days`,
      `${plural(deadlines.length, 'deadline')} on a time axis from today, soonest first.`, 'deadline-chart');
    drawTimeAxis(chart, start, end, x, axisH, y + 4, width);
    chart.append(...rows);
    body.replaceChildren(chart);
    body.dataset.width = String(width);
  }

  function drawTimeAxis(chart, start, end, x, axisH, height, width) {
    chart.append(
      svg('line', { class: 'today-line', x1: x(start), x2: x(start), y1: axisH - 8, y2: height }),
      svg('text', { class: 'axis-today', x: x(start), y: 14, text: 'Today' }),
    );
    const first = new Date(start);
    let month = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1);
    while (month < end) {
      const mx = x(month);
      chart.append(svg('line', { class: 'grid', x1: mx, x2: mx, y1: axisH - 8, y2: height }));
      const date = new Date(month);
      const label = date.getUTCMonth() === 0 ? monthYearFormat.format(month) : monthFormat.format(month);
      // Month names need room: drop those that would run into "Today" or off the edge.
      if (mx - textWidth(label, 12) / 2 > x(start) + textWidth('Today', 13, 700) + 6
        && mx + textWidth(label, 12) / 2 < width) {
        chart.append(svg('text', { class: 'tick', x: mx, y: 14, 'text-anchor': 'middle', text: label }));
      }
      month = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
    chart.append(svg('line', { class: 'axis', x1: x(start), x2: x(end), y1: axisH - 8, y2: axisH - 8 }));
  }

  // Splits text into lines that fit, the last one cut short with an ellipsis when lines run out.
  function wrapText(text, maxWidth, size, weight, maxLines) {
    const lines = [];
    let line = '';
    const words = text.split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const next = line ? `${line} ${words[i]}` : words[i];
      if (!line || textWidth(next, size, weight) <= maxWidth) {
        line = next;
        continue;
      }
      if (lines.length === maxLines - 1) return [...lines, fitText(`${line} ${words.slice(i).join(' ')}`, maxWidth, size, weight)];
      lines.push(line);
      line = words[i];
    }
    return [...lines, fitText(line, maxWidth, size, weight)];
  }

  const TEXT_X = 10; // clear of the "today" line

  // One deadline: the call's title and facts, then a track from today to its marker. Returns the row
  // and its height, which grows with the lines its text needs.
  function deadlineRow(d, y, x, textSpace) {
    const call = d.fundingOpportunity;
    const kind = d.final ? 'Final deadline' : 'Intermediate deadline';
    const meta = `${daysLeftText(d.daysLeft)} · ${formatDay(d.date)} · ${kind} · ${call.programme.name}`;
    const titleLines = wrapText(call.title, textSpace, 14, 600, 3);
    const metaLines = wrapText(meta, textSpace, 12.5, 400, 3);
    const texts = [];
    let ty = y + 4;
    for (const line of titleLines) texts.push(svg('text', { class: 'dl-title', x: TEXT_X, y: (ty += 18), text: line }));
    ty += 2;
    for (const line of metaLines) texts.push(svg('text', { class: 'dl-meta', x: TEXT_X, y: (ty += 16), text: line }));
    const trackY = ty + 14;
    const mx = x(parseDay(d.date));
    const marker = d.final
      ? svg('path', { class: 'marker-final', d: `M${mx} ${trackY - 7} L${mx + 7} ${trackY} L${mx} ${trackY + 7} L${mx - 7} ${trackY} Z` })
      : svg('circle', { class: 'marker-interim', cx: mx, cy: trackY, r: 5.5 });
    const node = svg('g', {
      class: `deadline ${d.final ? 'is-final' : 'is-interim'}`, 'data-date': d.date,
      'data-days-left': d.daysLeft, 'data-final': String(d.final),
    },
    svg('title', { text: `${call.title} (${call.programme.name}): ${kind.toLowerCase()} on ${formatDay(d.date)}, ${daysLeftText(d.daysLeft).toLowerCase()}` }),
    texts,
    svg('line', { class: 'track', x1: x(parseDay(d.date) - d.daysLeft * DAY_MS), x2: mx, y1: trackY, y2: trackY }),
    marker);
    return { node, height: trackY + 14 - y };
  }

  function fillDeadlineList(target, deadlines) {
    if (!deadlines.length) {
      target.replaceChildren(h('p', { class: 'empty', text: 'No deadlines in this period.' }));
      return;
    }
    target.replaceChildren(h('ol', { class: 'deadline-list' }, deadlines.map((d) => {
      const call = d.fundingOpportunity;
      const title = call.url ? h('a', { href: call.url, rel: 'noopener noreferrer', text: call.title }) : call.title;
      return h('li', {},
        h('strong', {}, title),
        h('span', { class: 'muted' },
          h('time', { datetime: d.date, text: formatDay(d.date) }),
          ` · ${daysLeftText(d.daysLeft)} · ${d.final ? 'final' : 'intermediate'} deadline · ${call.programme.name}`));
    })));
  }

  let resizeFrame = 0;
  function onResize() {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      const charts = [['#members-by-country', renderCountryChart], ['#practices-by-theme', renderThemeChart],
        ['#funding-timeline', renderTimeline]];
      for (const [selector, draw] of charts) {
        const body = $(selector).querySelector('.chart-body');
        if (body.dataset.width && Number(body.dataset.width) !== chartWidth(body)) draw();
      }
    });
  }

  /* ---------- member page ---------- */

  const MEMBER_QUERY = `query MemberProfile($slug: String!) {
    member(slug: $slug) {
      slug name acronym kind country { code name } municipalitiesRepresented website description joinedOn
      bestPractices(first: 20, orderBy: {field: YEAR, direction: DESC}) { totalCount nodes { slug title language year } }
      recommendedFunding(first: 5) {
        reason sharedThemes { name }
        fundingOpportunity { identifier title status nextDeadline url programme { name } }
      }
    }
  }`;

  function populateMembers(members) {
    state.members = [...members].sort((a, b) => a.name.localeCompare(b.name, 'en'));
    const select = $('#member-select');
    select.replaceChildren(...state.members.map((m) => h('option', { value: m.slug, text: m.name })));
    const known = (slug) => state.members.some((m) => m.slug === slug);
    if (!known(state.memberSlug)) state.memberSlug = known('vng') ? 'vng' : (state.members[0]?.slug ?? '');
    select.value = state.memberSlug;
    select.disabled = !state.members.length;
  }

  async function loadMember(slug) {
    const view = $('#member-view');
    if (!slug) {
      $('#member-card').hidden = true;
      showError('#member-error', 'The hub has no members yet.');
      view.dataset.state = 'done';
      view.removeAttribute('aria-busy');
      return;
    }
    const seq = ++state.memberSeq;
    state.memberSlug = slug;
    view.dataset.state = 'loading';
    view.setAttribute('aria-busy', 'true');
    try {
      const { data } = await gql(MEMBER_QUERY, { slug });
      if (seq !== state.memberSeq) return; // a later choice took over
      if (!data.member) throw new ApiError('It is no longer in the hub.', 'NOT_FOUND');
      hideError('#member-error');
      renderMember(data.member);
    } catch (err) {
      if (seq !== state.memberSeq) return;
      $('#member-card').hidden = true;
      showError('#member-error', `This member could not be loaded. ${err.message}`, () => loadMember(slug));
    } finally {
      if (seq === state.memberSeq) {
        view.dataset.state = 'done';
        view.removeAttribute('aria-busy');
      }
    }
  }

  function renderMember(m) {
    $('#member-name').textContent = m.acronym ? `${m.name} (${m.acronym})` : m.name;
    const facts = [
      ['Country', m.country.name],
      ['Kind', humanise(m.kind)],
      ['Municipalities represented', m.municipalitiesRepresented === null ? 'Not stated' : num(m.municipalitiesRepresented)],
      ['Member since', formatDay(m.joinedOn)],
    ];
    const factNodes = facts.map(([term, value]) => h('div', {}, h('dt', { text: term }), h('dd', { text: value })));
    if (m.website && /^https?:\/\//i.test(m.website)) {
      factNodes.push(h('div', {}, h('dt', { text: 'Website' }),
        h('dd', {}, h('a', { href: m.website, rel: 'noopener noreferrer', text: m.website.replace(/^https?:\/\//i, '') }))));
    }
    $('#member-facts').replaceChildren(...factNodes);
    $('#member-description').textContent = m.description;
    renderMemberPractices(m.bestPractices);
    renderMemberFunding(m.recommendedFunding);
    $('#member-calendar').href = `/feeds/deadlines.ics?country=${encodeURIComponent(m.country.code)}`;
    $('#member-card').hidden = false;
  }

  function renderMemberPractices(conn) {
    $('#member-practices').replaceChildren(...conn.nodes.map((p) => h('li', {},
      h('span', { lang: p.language || null, text: p.title }), ' ', h('span', { class: 'muted', text: `(${p.year})` }))));
    const note = $('#member-practices-note');
    note.hidden = conn.totalCount > 0 && conn.totalCount <= conn.nodes.length;
    note.textContent = conn.totalCount === 0
      ? 'No best practices yet.'
      : `Showing the latest ${num(conn.nodes.length)} of ${num(conn.totalCount)}.`;
  }

  function renderMemberFunding(recommendations) {
    $('#member-funding').replaceChildren(...recommendations.map((r) => {
      const call = r.fundingOpportunity;
      const title = call.url ? h('a', { href: call.url, rel: 'noopener noreferrer', text: call.title }) : call.title;
      const deadline = call.nextDeadline
        ? h('span', {}, 'Next deadline ', h('time', { datetime: call.nextDeadline, text: formatDay(call.nextDeadline) }))
        : 'No deadline ahead';
      return h('li', {},
        h('p', { class: 'funding-title' }, h('strong', {}, title), ' ',
          h('span', { class: `badge status-${call.status.toLowerCase()}`, text: humanise(call.status) })),
        h('p', { class: 'muted' }, deadline, ` · ${call.programme.name}`),
        h('p', { class: 'reason', text: r.reason }));
    }));
    const note = $('#member-funding-note');
    note.hidden = recommendations.length > 0;
    note.textContent = 'No open or forthcoming call matches this member right now.';
  }

  function showMember(slug) {
    const select = $('#member-select');
    select.value = slug;
    loadMember(slug);
    select.focus();
  }

  /* ---------- search ---------- */

  const SEARCH_QUERY = `query DashboardSearch($query: String!, $types: [SearchType!], $filter: SearchFilter, $first: Int) {
    search(query: $query, types: $types, filter: $filter, first: $first) {
      totalCount
      edges {
        node {
          __typename
          ... on BestPractice { slug title language year country { name } }
          ... on DigitalTool { slug name licence }
          ... on Member { slug name country { name } }
          ... on FundingOpportunity { identifier title status nextDeadline programme { name } }
        }
        highlights { field language fragments }
      }
      facets { field buckets { value count } }
    }
  }`;

  // Facets map onto the filter's fields of the same name, except type, which is the `types` argument.
  // A year is an IntRange, so one year is chosen at a time.
  function searchVariables(query) {
    const filter = {};
    let types = null;
    for (const [field, values] of state.search.selected) {
      if (!values.size) continue;
      const list = [...values];
      if (field === 'type') types = list;
      else if (field === 'year') filter.year = { from: Number(list[0]), to: Number(list[0]) };
      else filter[field] = list;
    }
    return { query, types, filter: Object.keys(filter).length ? filter : null, first: SEARCH_PAGE };
  }

  async function runSearch() {
    const query = $('#search-input').value;
    state.search.ran = true;
    state.search.controller?.abort(); // only the latest search may render
    const controller = new AbortController();
    state.search.controller = controller;
    const results = $('#search-results');
    results.dataset.state = 'loading';
    results.setAttribute('aria-busy', 'true');
    try {
      const { data, errors } = await gql(SEARCH_QUERY, searchVariables(query), controller.signal);
      if (!data.search) throw new ApiError(friendlyMessage(200, errors[0]), errors[0]?.extensions?.code);
      hideError('#search-error');
      renderSearch(data.search);
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.replaceChildren();
      $('#search-total').textContent = '';
      $('#search-more').hidden = true;
      showError('#search-error', err.message);
    } finally {
      if (state.search.controller === controller) {
        state.search.controller = null;
        results.dataset.state = 'done';
        results.removeAttribute('aria-busy');
      }
    }
  }

  function renderSearch(result) {
    const total = result.totalCount;
    $('#search-total').textContent = plural(total, 'result');
    const more = $('#search-more');
    more.hidden = total <= result.edges.length;
    more.textContent = `Showing the best ${num(result.edges.length)}. Add words or filters to narrow the search.`;
    $('#search-results').replaceChildren(...result.edges.map(resultItem));
    state.search.facets = result.facets;
    renderFacets();
  }

  // The hub escapes fragments and adds nothing but <mark> (search/highlight.go). They are still parsed in
  // an inert <template> and only their text and <mark>s copied, so no other markup can ever get through.
  function appendMarked(target, fragment) {
    const template = document.createElement('template');
    template.innerHTML = fragment;
    for (const node of template.content.childNodes) {
      if (node.nodeName === 'MARK') target.append(h('mark', { text: node.textContent }));
      else target.append(node.textContent);
    }
  }

  function resultMeta(node, type) {
    const parts = [TYPE_LABELS[type] ?? humanise(type)];
    switch (node.__typename) {
      case 'BestPractice': parts.push(node.country.name, String(node.year)); break;
      case 'Member': parts.push(node.country.name); break;
      case 'DigitalTool': if (node.licence !== 'NOASSERTION') parts.push(node.licence); break;
      case 'FundingOpportunity':
        parts.push(node.programme.name, humanise(node.status));
        if (node.nextDeadline) parts.push(`next deadline ${formatDay(node.nextDeadline)}`);
        break;
      default: break;
    }
    return parts.join(' · ');
  }

  function resultItem(edge) {
    const node = edge.node;
    const type = TYPE_OF_TYPENAME[node.__typename] ?? node.__typename;
    const titleMatch = edge.highlights.find((hl) => hl.field === 'title' && hl.fragments.length);
    const heading = h('h3', { class: 'result-title' });
    if (titleMatch) {
      heading.lang = titleMatch.language || '';
      appendMarked(heading, titleMatch.fragments.join(' '));
    } else {
      heading.textContent = node.title ?? node.name;
      if (node.language) heading.lang = node.language;
    }
    if (!heading.lang) heading.removeAttribute('lang');
    let texts = edge.highlights.filter((hl) => hl.field !== 'title');
    // A call's indexed summary is only its identifiers: shown when its description did not match.
    if (node.__typename === 'FundingOpportunity' && texts.some((hl) => hl.field === 'body')) {
      texts = texts.filter((hl) => hl.field !== 'summary');
    }
    const fragments = texts
      .flatMap((hl) => hl.fragments.map((f) => ({ f, lang: hl.language }))).slice(0, 2)
      .map(({ f, lang }) => {
        const p = h('p', { class: 'fragment', lang: lang || null });
        appendMarked(p, f);
        return p;
      });
    const action = node.__typename === 'Member'
      ? h('button', { type: 'button', class: 'button button-quiet button-small', onclick: () => showMember(node.slug), text: 'Show member profile' })
      : null;
    return h('li', { class: 'result', 'data-type': type },
      h('p', { class: `result-type type-${type.toLowerCase().replace(/_/g, '-')}`, text: resultMeta(node, type) }),
      heading, fragments, action);
  }

  function facetLabel(field, value) {
    switch (field) {
      case 'type': return TYPE_LABELS[value] ?? humanise(value);
      case 'theme': return state.ref.themes.get(value) ?? value;
      case 'country': return state.ref.countries.get(value) ?? value;
      case 'programme': return state.ref.programmes.get(value) ?? value;
      case 'language': return languageName(value);
      case 'status': return humanise(value);
      default: return value;
    }
  }

  function renderFacets() {
    const container = $('#search-facets');
    const active = document.activeElement;
    const refocus = container.contains(active) && active.tagName === 'BUTTON'
      ? { field: active.dataset.field, value: active.dataset.value, more: active.dataset.more }
      : null;
    const groups = state.search.facets.map(facetGroup).filter(Boolean);
    if (!groups.length) {
      container.replaceChildren();
      return;
    }
    // Folded away by default on small screens, where the filters would push the results far down.
    const open = state.search.facetsOpen ?? window.matchMedia('(min-width: 860px)').matches;
    const chosen = sum([...state.search.selected.values()].map((set) => set.size));
    const panel = h('details', { class: 'facets-panel', open },
      h('summary', { class: 'facets-title', text: chosen ? `Refine results (${num(chosen)} chosen)` : 'Refine results' }),
      groups);
    panel.addEventListener('toggle', () => { state.search.facetsOpen = panel.open; });
    container.replaceChildren(panel);
    if (refocus) restoreFacetFocus(container, refocus);
  }

  function facetGroup(facet) {
    const chosen = state.search.selected.get(facet.field) ?? new Set();
    const buckets = [...facet.buckets];
    // A chosen value stays on show, even when other filters leave it no matches, so it can be unchosen.
    for (const value of chosen) if (!buckets.some((b) => b.value === value)) buckets.push({ value, count: 0 });
    if (!buckets.length) return null;
    const expanded = state.search.expanded.has(facet.field);
    const shown = expanded ? buckets : buckets.filter((b, i) => i < FACET_BUTTONS_SHOWN || chosen.has(b.value));
    const buttons = shown.map((b) => h('button', {
      type: 'button', class: 'facet', 'aria-pressed': String(chosen.has(b.value)),
      'data-field': facet.field, 'data-value': b.value, text: `${facetLabel(facet.field, b.value)} (${num(b.count)})`,
    }));
    const toggle = buckets.length > FACET_BUTTONS_SHOWN
      ? h('button', {
        type: 'button', class: 'facet-more', 'aria-expanded': String(expanded), 'data-more': facet.field,
        text: expanded ? 'Show fewer' : `Show all ${num(buckets.length)}`,
      })
      : null;
    return h('fieldset', { class: 'facet-group' },
      h('legend', { text: FACET_NAMES[facet.field] ?? humanise(facet.field) }),
      h('div', { class: 'facet-buttons' }, buttons, toggle));
  }

  function restoreFacetFocus(container, { field, value, more }) {
    const target = more
      ? container.querySelector(`[data-more="${CSS.escape(more)}"]`)
      : container.querySelector(`[data-field="${CSS.escape(field)}"][data-value="${CSS.escape(value)}"]`);
    (target ?? $('#search-input')).focus();
  }

  function onFacetClick(event) {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.dataset.more) {
      const field = button.dataset.more;
      if (!state.search.expanded.delete(field)) state.search.expanded.add(field);
      renderFacets();
      return;
    }
    const { field, value } = button.dataset;
    const chosen = state.search.selected.get(field) ?? new Set();
    if (chosen.has(value)) {
      chosen.delete(value);
    } else {
      if (field === 'year') chosen.clear();
      chosen.add(value);
    }
    state.search.selected.set(field, chosen);
    button.setAttribute('aria-pressed', String(chosen.has(value)));
    runSearch();
  }

  /* ---------- live events ---------- */

  // A minimal client of the graphql-transport-ws protocol (what the npm graphql-ws library speaks): one
  // WebSocket to /graphql, the token in connection_init, a subscription per feed, pongs to the hub's
  // pings, and a reconnection with a growing wait when the socket closes.
  const LIVE_SUBSCRIPTIONS = {
    practices: {
      query: 'subscription { bestPracticePublished { id title country { name } } }',
      show: (d) => `New best practice: ${d.bestPracticePublished.title} (${d.bestPracticePublished.country.name})`,
    },
    funding: {
      query: 'subscription { fundingOpportunityChanged { id title nextDeadline } }',
      show: (d) => {
        const f = d.fundingOpportunityChanged;
        const next = f.nextDeadline ? `next deadline ${dayFormat.format(new Date(f.nextDeadline))}` : 'no deadline left';
        return `Call changed: ${f.title}, ${next}`;
      },
    },
  };

  const live = { socket: null, retry: 1000, refresh: null };

  function liveStatus(text, stateName) {
    const out = $('#live-status');
    out.textContent = text;
    out.dataset.state = stateName;
  }

  function connectLive() {
    if (live.socket) {
      live.socket.onclose = null;
      live.socket.close(1000, 'reconnecting');
    }
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    const socket = new WebSocket(url, 'graphql-transport-ws');
    live.socket = socket;
    const send = (message) => socket.send(JSON.stringify(message));
    socket.onopen = () => send({ type: 'connection_init', payload: state.token ? { Authorization: `Bearer ${state.token}` } : {} });
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case 'connection_ack':
          live.retry = 1000;
          liveStatus('Connected: new practices and changed calls appear as they happen.', 'connected');
          for (const [id, sub] of Object.entries(LIVE_SUBSCRIPTIONS)) send({ id, type: 'subscribe', payload: { query: sub.query } });
          break;
        case 'ping':
          send({ type: 'pong' });
          break;
        case 'next':
          if (message.payload?.data && LIVE_SUBSCRIPTIONS[message.id]) showLiveEvent(LIVE_SUBSCRIPTIONS[message.id].show(message.payload.data), message.id);
          break;
        default:
      }
    };
    socket.onclose = (event) => {
      if (live.socket !== socket) return;
      const why = event.code === 1001 ? 'the hub is restarting' : 'the connection was lost';
      liveStatus(`Live events paused: ${why}. Reconnecting…`, 'reconnecting');
      setTimeout(connectLive, live.retry);
      live.retry = Math.min(live.retry * 2, 30000);
    };
  }

  function showLiveEvent(text, kind) {
    $('#live-empty').hidden = true;
    const list = $('#live-events');
    const time = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    list.prepend(h('li', { class: `live-event live-${kind}`, text: `${time} · ${text}` }));
    while (list.children.length > 20) list.lastElementChild.remove();
    // The figures and the deadline timeline follow, once for a burst of events.
    clearTimeout(live.refresh);
    live.refresh = setTimeout(loadOverview, 300);
  }

  /* ---------- start ---------- */

  function start() {
    $('#token-form').addEventListener('submit', onTokenSubmit);
    $('#token-clear').addEventListener('click', onTokenClear);
    $('#search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      runSearch();
    });
    $('#search-facets').addEventListener('click', onFacetClick);
    $('#member-select').addEventListener('change', (event) => loadMember(event.target.value));
    window.addEventListener('resize', onResize);
    loadDashboard();
    connectLive();
  }

  start();
})();
