// A path under /app that is no page.
import { Body1 } from '@fluentui/react-components';
import { Link } from '../router.js';
import { AuthCard } from './AuthCard.js';

export function NotFoundPage() {
  return (
    <AuthCard title="Page not found">
      <Body1>There is no page at this address. It may have moved, or the link may be mistyped.</Body1>
      <Link href="/app">Go to Mailbeacon</Link>
    </AuthCard>
  );
}
