// Tracked email (docs/product.md, "The web app"): a placeholder until the page itself is built.
import { Body1, Title2 } from '@fluentui/react-components';

export default function TrackedPage(_props: { params: Record<string, string> }) {
  return (
    <>
      <Title2 as="h1" block>Tracked email</Title2>
      <Body1 as="p" block>Your tracked email with opens, clicks and last activity, sortable and searchable. This page is on its way.</Body1>
    </>
  );
}
