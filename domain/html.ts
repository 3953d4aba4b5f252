/**
 * Escapes text for HTML content and quoted attribute values. The one escape every
 * HTML-producing part shares (the API's public pages, the console, tracked email links);
 * here because it is pure and all of them may import `domain/`.
 */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
