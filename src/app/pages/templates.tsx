// Templates (docs/product.md, "The web app"): a placeholder until the page itself is built.
import { Body1, Title2 } from '@fluentui/react-components';

export default function TemplatesPage(_props: { params: Record<string, string> }) {
  return (
    <>
      <Title2 as="h1" block>Templates</Title2>
      <Body1 as="p" block>Your templates with their state, and New template. This page is on its way.</Body1>
    </>
  );
}
