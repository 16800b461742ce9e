// Contacts (docs/product.md, "The web app"): a placeholder until the page itself is built.
import { Body1, Title2 } from '@fluentui/react-components';

export default function ContactsPage(_props: { params: Record<string, string> }) {
  return (
    <>
      <Title2 as="h1" block>Contacts</Title2>
      <Body1 as="p" block>Search your contacts and open their timelines. This page is on its way.</Body1>
    </>
  );
}
