// The strings the generator draws from: texts and names that break naive CSV writers, JSON flatteners and HTML
// strippers (quotes, commas, line breaks of every kind, tabs, emoji, combining marks, CJK), the pools of
// names for every record kind, and the few string builders (HTML bodies, UUIDs, URL slugs) generation needs.
// Kept apart from the generation code so the pools can be read in one place; changing one changes what every seed
// generates, since draws pick from them by index.
import type { Rng } from './random.js';

export const TRICKY_TEXTS = [
  'She said "hello", then left',
  "O'Brien & Sons, Ltd.",
  'first line\nsecond line',
  'windows line\r\nending',
  'lone\rcarriage return',
  'tab\tseparated\tvalues',
  'rocket 🚀 party 🎉 family 👨‍👩‍👧',
  'Zoë Ångström — façade, naïve, Žluťoučký kůň',
  '田中太郎 / 김민준 / 中文测试',
  'semicolon; pipe | backslash \\ slash /',
  '<not a tag> & 5 > 3',
  '  leading and trailing spaces  ',
];

export const TRICKY_NAMES = [
  'Jack "The Hammer" O\'Neil',
  'Smith, John',
  'Anna\nMaria',
  'Carriage\rReturn',
  'Tab\tUser',
  'Zoë Ångström-Łukasiewicz',
  '田中 太郎',
  '🚀 Rocket Rider',
];

export const FIRST_NAMES = ['Anna', 'Jack', 'Zoë', 'José', 'Siobhán', 'Łukasz', 'Mei', 'Hiroshi', 'Olivia', 'Noah', 'Amélie', 'Björn', 'Priya', 'Omar'];
export const LAST_NAMES = ['Murphy', 'Nováková', 'Müller', 'García', 'Ó Súilleabháin', 'Kowalski', 'Wang', 'Tanaka', 'Smith', 'Dvořák', 'Jensen', 'Patel'];
export const COMPANY_NAMES = ['Acme, Inc.', 'Müller & Söhne GmbH', '"Quoted" Holdings Ltd', '株式会社テスト', 'Rocket 🚀 Labs', 'Globex', 'Initech', 'Umbrella\nCorp', 'Stark Industries', 'Wayne Enterprises'];
export const TAG_NAMES = ['VIP', 'churn-risk', 'Beta tester', 'Needs "follow-up"', 'Sales, EMEA', 'Ünïcödé ✓', '日本語タグ', 'priority 🔥', 'enterprise', 'trial', 'partner', 'billing issue', 'NPS: 10', 'do-not-contact', 'onboarding'];
export const SEGMENT_NAMES = ['Active users', 'New leads', 'Slipping away', 'Paying, annual', 'Power users ⚡'];
export const EVENT_NAMES = ['viewed-pricing', 'placed-order', 'invited-friend', 'exported-report', 'changed-plan', 'opened-app 📱', 'übermittelt-formular'];
export const LOCATIONS = [
  { country: 'Ireland', region: 'Dublin', city: 'Dublin', country_code: 'IRL', continent_code: 'EU' },
  { country: 'Czechia', region: 'Praha', city: 'Praha', country_code: 'CZE', continent_code: 'EU' },
  { country: 'Japan', region: 'Tokyo', city: '東京', country_code: 'JPN', continent_code: 'AS' },
  { country: 'United States', region: 'California', city: 'San Francisco', country_code: 'USA', continent_code: 'NA' },
  { country: 'Brazil', region: 'São Paulo', city: 'São Paulo', country_code: 'BRA', continent_code: 'SA' },
];

export function escapeHtml(text: string): string {
  // &#39; rather than &apos; so bodies also exercise numeric entities.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function htmlBody(rng: Rng, text: string): string {
  const escaped = escapeHtml(text);
  switch (rng.int(0, 3)) {
    case 0:
      return `<p>${escaped}</p>`;
    case 1:
      return `<p>${escaped}</p><p>Thanks &amp; regards,<br>Support</p>`;
    case 2:
      return `<p><b>Note:</b> ${escaped} <a href="https://example.com/?a=1&amp;b=2">link</a></p>`;
    default:
      return `<div><ul><li>${escaped}</li><li>caf&#233; &#x2615;</li></ul></div>`;
  }
}

export function uuidOf(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function slugOf(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'untitled'
  );
}
