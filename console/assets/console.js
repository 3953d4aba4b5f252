// Small enhancements on top of working forms: everything works without this file.
document.addEventListener('change', (event) => {
  const box = event.target;
  // "Select all" boxes tick every box of the same name in their form.
  if (box instanceof HTMLInputElement && box.dataset.selectAll) {
    for (const other of box.form?.querySelectorAll(`input[name="${box.dataset.selectAll}"]`) ?? [])
      other.checked = box.checked;
  }
});
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-confirm]') : null;
  if (target && !window.confirm(target.getAttribute('data-confirm') ?? '')) event.preventDefault();
  // Preview width toggles (desktop / mobile) on the template editor.
  const toggle = event.target instanceof Element ? event.target.closest('[data-preview-width]') : null;
  if (toggle) {
    // Without this script the toggles are submit buttons that re-render the page at that width.
    event.preventDefault();
    const frame = document.getElementById('preview-frame');
    frame?.classList.toggle('mobile', toggle.getAttribute('data-preview-width') === 'mobile');
    for (const b of document.querySelectorAll('[data-preview-width]'))
      b.setAttribute('aria-pressed', String(b === toggle));
  }
});
document.addEventListener('keydown', (event) => {
  // Enter in a field that belongs to one of a form's several buttons presses that button,
  // not the form's first one (the test-send address in the template editor).
  const field = event.target;
  if (event.key !== 'Enter' || !(field instanceof HTMLInputElement) || !field.dataset.enterAction) return;
  const button = field.form?.querySelector(`button[data-action="${field.dataset.enterAction}"]`);
  if (button instanceof HTMLButtonElement) {
    event.preventDefault();
    button.click();
  }
});
// A send time typed in the reader's own time zone: the form carries that zone's offset at
// the chosen moment (without this script the server takes the time as Japan's).
for (const offset of document.querySelectorAll('input[data-utc-offset]')) {
  const local = offset.form?.querySelector('input[type="datetime-local"]');
  const update = () => {
    const at = local instanceof HTMLInputElement && local.value ? new Date(local.value) : new Date();
    if (!Number.isNaN(at.getTime())) offset.value = String(-at.getTimezoneOffset());
  };
  update();
  local?.addEventListener('change', update);
}
