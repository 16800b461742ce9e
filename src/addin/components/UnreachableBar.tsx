// The warning when the backend does not answer (docs/product.md §7): sending is never blocked, the user is told
// what that means, and can retry.
import { Button, MessageBar, MessageBarActions, MessageBarBody } from '@fluentui/react-components';
import { useServices } from '../hooks/services.js';

export function UnreachableBar({ compose }: { compose: boolean }) {
  const { connection, retry } = useServices();
  if (connection.status !== 'offline') return null;
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        {compose ? "Mailbeacon can't reach the server. Your email will still send, untracked and unlogged." : "Mailbeacon can't reach the server."}
      </MessageBarBody>
      <MessageBarActions>
        <Button size="small" onClick={retry}>
          Retry
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
