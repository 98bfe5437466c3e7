import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

/**
 * A part of the page opened by a button (a form to add, edit or confirm). Escape inside it
 * closes it like its Cancel button, and closing puts the focus back on the button that opened
 * it, so a keyboard user is not sent back to the top of the page.
 */
export function useDisclosure() {
  const [open, setOpen] = useState(false);
  const [refocus, setRefocus] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // The opener is rendered again once the part has closed: focus it after that render.
    if (open || !refocus) return;
    opener.current?.focus();
    setRefocus(false);
  }, [open, refocus]);
  const close = () => {
    setOpen(false);
    setRefocus(true);
  };
  return {
    open,
    opener,
    show: () => setOpen(true),
    close,
    /** For the opened part's onKeyDown. */
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      close();
    },
  };
}
