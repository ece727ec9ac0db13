// The page shell shared by the dashboard and the checkout pages.
import { type HtmlValue, html, type SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  main: HtmlValue;
  /** The dashboard's navigation; checkout pages have none. */
  nav?: { active: 'overview' | 'payments' | 'endpoints' | 'recover' | 'signing' | 'none'; signOut: boolean };
  /** JSON endpoints whose change refreshes the page's `data-live` regions (see assets.ts). */
  liveSource?: readonly string[];
  liveIntervalMs?: number;
}

export function page(options: PageOptions): SafeHtml {
  const { nav, liveSource = [] } = options;
  const live = liveSource.length > 0;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title} · payhook</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/payhook.css">
</head>
<body${live ? html` data-live-source="${liveSource.join(' ')}" data-live-interval="${options.liveIntervalMs ?? 2000}"` : ''}>
${nav ? navBar(nav, live) : html`<header class="top"><span class="brand">payhook</span><span class="spacer"></span>${live ? html`<span id="live-status"></span>` : ''}</header>`}
<main>${options.main}</main>
${live ? html`<script src="/assets/live.js" defer></script>` : ''}
</body>
</html>`;
}

function navBar(nav: NonNullable<PageOptions['nav']>, live: boolean): SafeHtml {
  const link = (href: string, label: string, key: string) =>
    html`<a href="${href}"${nav.active === key ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<header class="top">
<a class="brand" href="/">payhook</a>
${link('/', 'Overview', 'overview')}
${link('/dashboard/payments', 'Payments', 'payments')}
${link('/dashboard/endpoints', 'Endpoints', 'endpoints')}
${link('/dashboard/recover', 'Recover', 'recover')}
${link('/dashboard/signing', 'Signing', 'signing')}
<span class="spacer"></span>
${live ? html`<span id="live-status"></span>` : ''}
${nav.signOut ? html`<form method="post" action="/dashboard/logout"><button type="submit">Sign out</button></form>` : ''}
</header>`;
}

/** A small page for refusals and errors. */
export function messagePage(
  title: string,
  message: HtmlValue,
  back?: { href: string; label: string },
  tone: 'error' | 'notice' = 'error',
): SafeHtml {
  return page({
    title,
    main: html`<h1>${title}</h1><div class="${tone}">${message}</div>${back ? html`<p><a href="${back.href}">${back.label}</a></p>` : ''}`,
  });
}
