import { describe, expect, it } from 'vitest';
import { escapeHtml, formatDuration, formatTime, html, safeHref, unsafeRaw } from './html.js';

describe('html', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x" + 'y')</script> & co`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; co',
    );
  });

  it('escapes every interpolated value, in text and in attributes', () => {
    const evil = '"><img src=x onerror=alert(1)>';
    expect(html`<td title="${evil}">${evil}</td>`.value).toBe(
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>',
    );
  });

  it('keeps markup built by html, escapes lists item by item, and renders nothing for absent values', () => {
    const items = ['<a>', html`<b>${'<c>'}</b>`];
    expect(html`<p>${items}${null}${undefined}${false}${0}</p>`.value).toBe('<p>&lt;a&gt;<b>&lt;c&gt;</b>0</p>');
    expect(html`${html`${html`${'&'}`}`}`.value).toBe('&amp;');
    expect(html`${unsafeRaw('<br>')}`.value).toBe('<br>');
  });

  it('links only to http and https URLs', () => {
    expect(safeHref('https://shop.example/ok?a=1')).toBe('https://shop.example/ok?a=1');
    expect(safeHref('http://127.0.0.1:3000/x')).toBe('http://127.0.0.1:3000/x');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref(' JAVASCRIPT:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,<script>')).toBeNull();
    expect(safeHref('/relative')).toBeNull();
    expect(safeHref('')).toBeNull();
    expect(safeHref(null)).toBeNull();
  });

  it('formats instants in UTC and durations for people', () => {
    expect(formatTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02 03:04:05Z');
    expect(formatTime(null)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 5 s');
    expect(formatDuration(7_380_000)).toBe('2 h 3 min');
  });
});
