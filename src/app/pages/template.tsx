// Template (docs/product.md, "The web app"): a placeholder until the page itself is built.
import { Body1, Title2 } from '@fluentui/react-components';

export default function TemplatePage(_props: { params: Record<string, string> }) {
  return (
    <>
      <Title2 as="h1" block>Template</Title2>
      <Body1 as="p" block>The template editor with a live preview. This page is on its way.</Body1>
    </>
  );
}
