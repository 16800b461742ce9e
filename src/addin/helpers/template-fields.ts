// Personalization of a template (docs/product.md §6): `{{ contact.firstname }}` comes from the recipient's
// contact, `{{ custom.order_id }}` from the small form in the pane.
import type { Contact, Template } from '../../shared/api.js';

export interface TemplateField {
  name: string;
  /** The template's own `| default: "…"`, shown as the placeholder. */
  fallback: string | null;
}

const TOKEN = /\{\{-?\s*(contact|custom)\.([A-Za-z0-9_]+)\s*(?:\|\s*default\s*:\s*(?:"([^"]*)"|'([^']*)'))?[^}]*\}\}/g;

export function templateFields(t: Pick<Template, 'subject' | 'html'>, scope: 'contact' | 'custom'): TemplateField[] {
  const found = new Map<string, TemplateField>();
  for (const m of `${t.subject}\n${t.html}`.matchAll(TOKEN)) {
    if (m[1] !== scope || found.has(m[2])) continue;
    found.set(m[2], { name: m[2], fallback: m[3] ?? m[4] ?? null });
  }
  return [...found.values()];
}

/** Contact properties for the preview: the stored ones, plus what the address and name imply. */
export function contactProperties(contact: Contact | null, recipient: { address: string; name: string }): Record<string, string> {
  const name = (contact?.name ?? recipient.name ?? '').trim();
  const [first, ...rest] = name && !name.includes('@') ? name.split(/\s+/) : [];
  const implied: Record<string, string> = { email: contact?.email ?? recipient.address };
  if (first) implied.firstname = first;
  if (rest.length) implied.lastname = rest.join(' ');
  return { ...implied, ...(contact?.properties ?? {}) };
}

/** Published templates whose name or subject contains every word typed. */
export function searchTemplates(templates: Template[], query: string): Template[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return templates.filter((t) => t.state === 'PUBLISHED').filter((t) => words.every((w) => `${t.name} ${t.subject}`.toLowerCase().includes(w)));
}
