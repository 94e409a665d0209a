/**
 * QR codes as SVG, drawn on the server with uqr, so the setup page shows one without
 * JavaScript. The SVG holds only numbers (the module grid as one path) and the label below,
 * escaped, so it is safe to inline in a page.
 */
import { renderSVG } from 'uqr';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Draws `text` as a QR code, labelled for screen readers with `label`.
 *
 * @example
 * qrCodeSvg(totpUri(...), 'QR code to add Baton to an authenticator app');
 */
export function qrCodeSvg(text: string, label: string): string {
  // Error correction M reads well off a screen; a border of 4 modules is the quiet zone the
  // QR standard asks for (uqr draws 1 by default, which some scanners miss).
  const svg = renderSVG(text, { ecc: 'M', border: 4 });
  const escaped = label.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
  return svg.replace('<svg ', `<svg role="img" aria-label="${escaped}" `);
}
