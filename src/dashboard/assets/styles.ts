/**
 * The dashboard's one stylesheet, served at `/dashboard/assets/dashboard.css`. No framework:
 * a readable column at laptop widths, one column on phones, visible focus everywhere, and the
 * colours of decisions (allowed, denied, shadow) used the same way in badges and the chart.
 */
export const STYLES = `
:root {
  --ink: #1a1f36; --muted: #5b6474; --line: #dde1e8; --bg: #f6f8fa; --card: #ffffff;
  --accent: #4f46e5; --accent-ink: #ffffff; --accent-soft: #eef0ff;
  --ok: #1a7f37; --ok-soft: #e6f4ea; --bad: #c0262d; --bad-soft: #fdecec;
  --warn: #9a5b00; --warn-soft: #fff4e0; --shadow: #b7791f;
  --focus: #1d4ed8; --radius: 8px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); line-height: 1.5; font-size: 16px;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
code { background: #eef1f5; padding: 0.05em 0.35em; border-radius: 4px; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 0.25rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 0.75rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 0.5rem; }
p { margin: 0.5rem 0; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { left: 0.5rem; top: 0.5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

/* Header and navigation */
.topbar { background: var(--card); border-bottom: 1px solid var(--line); }
.topbar-inner { max-width: 1100px; margin: 0 auto; padding: 0.6rem 1.25rem; display: flex; flex-wrap: wrap; gap: 0.75rem 1.5rem; align-items: center; }
.brand { font-weight: 700; color: var(--ink); text-decoration: none; display: inline-flex; gap: 0.5rem; align-items: center; font-size: 1.1rem; }
.brand img { width: 26px; height: 26px; }
.nav { display: flex; gap: 0.25rem; flex-wrap: wrap; }
.nav a { padding: 0.4rem 0.7rem; border-radius: 6px; color: var(--ink); text-decoration: none; font-weight: 500; }
.nav a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); }
.nav a:hover { background: #f0f2f6; }
.who { margin-left: auto; display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; font-size: 0.9rem; color: var(--muted); }
.who form { margin: 0; }
.mode-banner { background: var(--warn-soft); color: var(--warn); border-bottom: 1px solid #f3d9a4; text-align: center; font-size: 0.875rem; font-weight: 600; padding: 0.3rem 1rem; }
.mode-banner.live { background: var(--ok-soft); color: var(--ok); border-bottom-color: #b7e1c1; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
.page-head { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; justify-content: space-between; margin-bottom: 1rem; }
.subtitle { color: var(--muted); margin: 0; }

/* Cards, callouts, lists */
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.1rem 1.25rem; margin: 0 0 1rem; }
.card > h2:first-child, .card > h3:first-child { margin-top: 0; }
.callout { border-radius: var(--radius); padding: 0.85rem 1rem; margin: 0 0 1rem; border: 1px solid var(--line); background: var(--card); display: flex; gap: 0.75rem; align-items: flex-start; flex-wrap: wrap; }
.callout > div { flex: 1 1 20rem; }
.callout.warn { background: var(--warn-soft); border-color: #f3d9a4; }
.callout.error { background: var(--bad-soft); border-color: #f5c2c4; color: #7a1a1e; }
.callout.ok { background: var(--ok-soft); border-color: #b7e1c1; }
.callout.info { background: var(--accent-soft); border-color: #cfd3ff; }
.callout p { margin: 0.15rem 0; }
.muted { color: var(--muted); }
.diff-add { color: var(--ok); white-space: nowrap; }
.diff-remove { color: var(--bad); white-space: nowrap; }
.small { font-size: 0.875rem; }

/* App identity */
.app-head { display: flex; gap: 1rem; align-items: center; }
.app-icon { width: 56px; height: 56px; border-radius: 12px; flex: none; border: 1px solid var(--line); background: #fff; }
.app-icon.small { width: 32px; height: 32px; border-radius: 8px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0.75rem 0 0; font-size: 0.925rem; }
.facts.card { margin: 0 0 1rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }

/* Badges */
.badge { display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0.1rem 0.5rem; border-radius: 999px; border: 1px solid transparent; white-space: nowrap; vertical-align: 0.1em; }
.badge.read { background: #e8f1fd; color: #1d4f91; border-color: #c6dbf7; }
.badge.write { background: #fdf0e6; color: #8a3c00; border-color: #f4d2b5; }
.badge.ok, .badge.allowed, .badge.active, .badge.installed { background: var(--ok-soft); color: var(--ok); border-color: #b7e1c1; }
.badge.bad, .badge.denied, .badge.revoked, .badge.uninstalled { background: var(--bad-soft); color: var(--bad); border-color: #f5c2c4; }
.badge.warn, .badge.shadow_denied, .badge.expired, .badge.pending { background: var(--warn-soft); color: var(--warn); border-color: #f3d9a4; }
.badge.neutral { background: #eef1f5; color: var(--muted); border-color: var(--line); }
.badge.rolled { background: var(--warn-soft); color: var(--warn); border-color: #f3d9a4; }
.badge.rolled-done { background: #eef1f5; color: var(--muted); border-color: var(--line); }

/* Permissions */
.resource { border-top: 1px solid var(--line); padding: 0.75rem 0 0.25rem; }
.resource:first-of-type { border-top: 0; padding-top: 0; }
.resource h3 { margin: 0 0 0.35rem; font-size: 0.95rem; }
.perm-list { list-style: none; margin: 0; padding: 0; }
.perm { padding: 0.5rem 0; display: grid; grid-template-columns: 4rem 1fr; gap: 0.15rem 0.75rem; }
.perm + .perm { border-top: 1px dashed var(--line); }
.perm .badge { justify-self: start; align-self: start; margin-top: 0.15rem; }
.perm-body { min-width: 0; }
.perm-name { font-weight: 600; }
.purpose { margin: 0.2rem 0; padding: 0.35rem 0.6rem; border-left: 3px solid var(--accent); background: #f8f8ff; border-radius: 0 6px 6px 0; overflow-wrap: anywhere; }
.purpose .label { display: block; font-size: 0.75rem; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: 0.03em; }
.implies, .companion { font-size: 0.875rem; color: var(--muted); margin: 0.2rem 0 0; }
.companion { color: var(--warn); }
.perm.added { background: var(--ok-soft); border-radius: 6px; padding-left: 0.5rem; }
.perm.removed { background: var(--bad-soft); border-radius: 6px; padding-left: 0.5rem; }
.chips { display: flex; flex-wrap: wrap; gap: 0.35rem; list-style: none; margin: 0.35rem 0; padding: 0; }
.chips li code { display: inline-block; }
details > summary { cursor: pointer; color: var(--accent); font-weight: 500; }
details[open] > summary { margin-bottom: 0.5rem; }

/* Tables */
.table-wrap { position: relative; overflow-x: auto; border: 1px solid var(--line); border-radius: var(--radius); background: var(--card); margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.925rem; }
th, td { text-align: left; padding: 0.55rem 0.75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f8f9fb; font-weight: 600; color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
tr:last-child td { border-bottom: 0; }
td.actions { min-width: 15rem; }
td.actions form { display: flex; gap: 0.35rem; align-items: center; margin: 0 0 0.35rem; flex-wrap: wrap; }
td.actions select { width: auto; max-width: 13rem; padding: 0.25rem 0.4rem; font-size: 0.85rem; }

/* Forms and buttons */
form { margin: 0; }
label { font-weight: 600; display: block; margin: 0 0 0.25rem; }
.field { margin: 0 0 1rem; }
.field .hint { font-size: 0.85rem; color: var(--muted); margin: 0.2rem 0 0; font-weight: 400; }
.field-error { color: var(--bad); font-size: 0.875rem; font-weight: 600; margin: 0.3rem 0 0; }
input[type="text"], input[type="email"], input[type="password"], input[type="datetime-local"], input[type="search"], select {
  font: inherit; padding: 0.5rem 0.6rem; border: 1px solid #b9c0cc; border-radius: 6px; background: #fff; color: var(--ink); width: 100%; max-width: 28rem;
}
input[aria-invalid="true"] { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
fieldset { border: 1px solid var(--line); border-radius: var(--radius); padding: 0.75rem 1rem; margin: 0 0 1rem; }
legend { font-weight: 600; padding: 0 0.35rem; }
.checks { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 0.25rem 1rem; }
.check { display: flex; gap: 0.45rem; align-items: center; font-weight: 400; margin: 0; }
.check input { width: 1.1rem; height: 1.1rem; }
.checks.accounts { grid-template-columns: 1fr; gap: 0.5rem; }
.checks.accounts .check { align-items: flex-start; }
.checks.accounts .check input { margin-top: 0.2rem; }
.checks.accounts + .field { margin: 0.9rem 0 0; }
.button, button { font: inherit; font-weight: 600; display: inline-flex; align-items: center; gap: 0.4rem; justify-content: center; padding: 0.5rem 1rem; border-radius: 6px; border: 1px solid #b9c0cc; background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; line-height: 1.3; min-height: 2.4rem; }
.button:hover, button:hover { background: #f3f4f7; }
.button.primary, button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
.button.primary:hover, button.primary:hover { background: #4338ca; }
.button.danger, button.danger { color: var(--bad); border-color: #eba5a8; }
.button.danger:hover, button.danger:hover { background: var(--bad-soft); }
.button.small, button.small { padding: 0.25rem 0.6rem; font-size: 0.85rem; min-height: 2rem; }
button.link { border: 0; background: none; color: var(--accent); padding: 0; min-height: 0; font-weight: 500; text-decoration: underline; }
.actions-row { display: flex; gap: 0.75rem; flex-wrap: wrap; align-items: center; margin-top: 1.25rem; }
.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 0.75rem 1rem; align-items: end; }
.filters .field { margin: 0; }
.filters select, .filters input { max-width: none; }

/* Secret shown once */
.secret { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; margin: 0.5rem 0; }
.secret input { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; flex: 1 1 22rem; max-width: 40rem; background: #fffef5; }
.copied { color: var(--ok); font-weight: 600; font-size: 0.875rem; }

/* Sign-in */
.auth { max-width: 26rem; margin: 4rem auto; }
.auth .brand { margin-bottom: 1.25rem; }
.auth .callout { margin-top: 1rem; }
.auth input { max-width: none; }

/* Chart */
.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 11px; fill: var(--muted); font-family: inherit; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .allowed, .legend .allowed { fill: #2da44e; background: #2da44e; }
.chart .denied, .legend .denied { fill: #d1242f; background: #d1242f; }
.chart .shadow_denied, .legend .shadow_denied { fill: #d4a72c; background: #d4a72c; }
.legend { display: flex; gap: 1rem; flex-wrap: wrap; list-style: none; padding: 0; margin: 0.5rem 0 0; font-size: 0.875rem; }
.legend span { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; margin-right: 0.35rem; vertical-align: -0.1em; }
.stats { display: flex; gap: 1rem; flex-wrap: wrap; margin: 0 0 1rem; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 0.6rem 1rem; min-width: 9rem; }
.stat strong { display: block; font-size: 1.4rem; }
.grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.install-list { list-style: none; margin: 0; padding: 0; }
.install-item { display: grid; grid-template-columns: auto 1fr auto; gap: 0.5rem 1rem; align-items: center; padding: 0.9rem 0; border-top: 1px solid var(--line); }
.install-item:first-child { border-top: 0; }
.install-item h3 { margin: 0; font-size: 1.05rem; }
.install-item.pending { background: var(--warn-soft); border: 1px solid #f3d9a4; border-radius: var(--radius); padding: 0.9rem; margin: 0.25rem 0; }
.install-item.pending + .install-item { border-top: 0; }
.install-item .meta { font-size: 0.875rem; color: var(--muted); }
.install-item h2 { margin: 0; font-size: 1.05rem; }
.catalog-permissions { margin: 0.4rem 0 0; padding-left: 1.1rem; font-size: 0.875rem; }
.catalog-permissions li { margin: 0.15rem 0; overflow-wrap: anywhere; }
.kv { margin: 0.2rem 0; font-size: 0.9rem; }

@media (max-width: 720px) {
  html { font-size: 15px; }
  main { padding: 1rem 0.9rem 3rem; }
  .topbar-inner { padding: 0.5rem 0.9rem; }
  .who { margin-left: 0; width: 100%; justify-content: space-between; }
  .grid-2 { grid-template-columns: 1fr; }
  .install-item { grid-template-columns: auto 1fr; }
  .install-item > :last-child { grid-column: 1 / -1; }
  .perm { grid-template-columns: 1fr; }
  .facts { grid-template-columns: 1fr; }
  .facts dt { margin-top: 0.35rem; }
  .actions-row .button, .actions-row button { flex: 1 1 auto; }
  th, td { padding: 0.45rem 0.5rem; }
}
@media (prefers-reduced-motion: no-preference) { .button, button { transition: background-color 0.1s; } }
`;
