// A question before an action that cannot be taken back (delete a token, reset its password, remove a
// domain): the action runs only on the confirming button.
import type { ReactNode } from 'react';
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle } from '@fluentui/react-components';

export interface Question {
  title: string;
  body: ReactNode;
  confirm: string;
  run: () => void | Promise<void>;
}

export function Confirm({ question, onClose }: { question: Question | null; onClose: () => void }) {
  return (
    <Dialog open={question !== null} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface>
        {question && (
          <DialogBody>
            <DialogTitle>{question.title}</DialogTitle>
            <DialogContent>{question.body}</DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onClose}>
                Cancel
              </Button>
              <Button
                appearance="primary"
                onClick={() => {
                  onClose();
                  void question.run();
                }}
              >
                {question.confirm}
              </Button>
            </DialogActions>
          </DialogBody>
        )}
      </DialogSurface>
    </Dialog>
  );
}
