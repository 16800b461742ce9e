// Delete permanently (docs/product.md §13, erasure): a danger button and a dialog naming the contact's
// address, which the person types to confirm; then HubSpot's GDPR delete, and back to the contact list
// with a message. Admins only, as the server enforces; members are told to ask one.
import { useState } from 'react';
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, Input, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { DeleteRegular } from '@fluentui/react-icons';
import type { Contact } from '../../shared/api.js';
import { useAppApi } from '../api.js';
import { navigate } from '../router.js';
import { leaveMessage } from './flash.js';
import { Outcome } from './page.js';

const useStyles = makeStyles({
  danger: {
    backgroundColor: tokens.colorStatusDangerBackground3,
    color: tokens.colorNeutralForegroundOnBrand,
    ':hover': { backgroundColor: tokens.colorStatusDangerBackground3Hover, color: tokens.colorNeutralForegroundOnBrand },
    ':hover:active': { backgroundColor: tokens.colorStatusDangerBackground3Pressed, color: tokens.colorNeutralForegroundOnBrand },
  },
  // Fluent caps a button's width, and in the dialog's actions "Delete permanently" broke onto two lines.
  oneLine: { whiteSpace: 'nowrap', maxWidth: 'none' },
});

export function EraseContact({ contact }: { contact: Contact }) {
  const api = useAppApi();
  const s = useStyles();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const matches = typed.trim().toLowerCase() === contact.email.toLowerCase();

  async function erase() {
    setBusy(true);
    try {
      await api.eraseContact(contact.id);
      leaveMessage(`${contact.email} was erased: the contact, its timeline, logged email and tracking events are gone, and mail to it is no longer logged or tracked.`);
      navigate('/app/contacts');
    } catch (e) {
      setError(`Not erased: ${(e as Error).message}`);
      setBusy(false);
      setOpen(false);
    }
  }

  return (
    <>
      <div>
        <Button className={s.danger} icon={<DeleteRegular />} onClick={() => (setTyped(''), setError(null), setOpen(true))}>
          Delete permanently
        </Button>
      </div>
      {error && <Outcome outcome={{ intent: 'error', text: error }} />}
      <Dialog open={open} onOpenChange={(_, d) => !busy && setOpen(d.open)}>
        <DialogSurface>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (matches && !busy) void erase();
            }}
          >
            <DialogBody>
              <DialogTitle>Delete {contact.email} permanently?</DialogTitle>
              <DialogContent style={{ display: 'flex', flexDirection: 'column', rowGap: 12 }}>
                <Text>
                  Everything kept about <strong>{contact.email}</strong> is erased: the contact and its properties, its timeline, its copies of logged email and
                  their attachments, its opens and clicks, and what sends kept of the address. Later mail to it is neither logged nor tracked. This cannot be undone.
                </Text>
                <Field label={`Type ${contact.email} to confirm`}>
                  <Input value={typed} onChange={(_, d) => setTyped(d.value)} autoComplete="off" spellCheck={false} />
                </Field>
              </DialogContent>
              <DialogActions>
                <Button appearance="secondary" disabled={busy} onClick={() => setOpen(false)}>
                  Cancel
                </Button>
                <Button type="submit" className={mergeClasses(s.oneLine, matches && !busy && s.danger)} disabled={!matches || busy}>
                  {busy ? 'Erasing…' : 'Delete permanently'}
                </Button>
              </DialogActions>
            </DialogBody>
          </form>
        </DialogSurface>
      </Dialog>
    </>
  );
}
