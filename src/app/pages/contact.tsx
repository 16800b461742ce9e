// Contact (docs/product.md, "The web app"): a placeholder until the page itself is built.
import { Body1, Title2 } from '@fluentui/react-components';

export default function ContactPage(_props: { params: Record<string, string> }) {
  return (
    <>
      <Title2 as="h1" block>Contact</Title2>
      <Body1 as="p" block>This contact's details, legal basis and timeline. This page is on its way.</Body1>
    </>
  );
}
