// Activity (docs/product.md, "The web app"): a placeholder until the page itself is built.
import { Body1, Title2 } from '@fluentui/react-components';

export default function ActivityPage(_props: { params: Record<string, string> }) {
  return (
    <>
      <Title2 as="h1" block>Activity</Title2>
      <Body1 as="p" block>The live feed of opens, clicks and replies, newest first, with desktop notifications. This page is on its way.</Body1>
    </>
  );
}
