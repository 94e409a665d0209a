/**
 * happy-dom reflects `autofocus` only on input, select and textarea; browsers reflect it on
 * every HTML element (HTMLOrSVGElement). Solid sets it as a property, so without this the
 * form's error would carry it in a browser but not here. Import it before rendering.
 * Delete it once happy-dom reflects the attribute on HTMLElement.
 */
if (!('autofocus' in HTMLElement.prototype)) {
  Object.defineProperty(HTMLElement.prototype, 'autofocus', {
    configurable: true,
    get(this: HTMLElement) {
      return this.hasAttribute('autofocus');
    },
    set(this: HTMLElement, value: unknown) {
      this.toggleAttribute('autofocus', Boolean(value));
    },
  });
}
