// Settings (docs/product.md, "The web app"): a placeholder until the page itself is built.
import { Body1, Title2 } from '@fluentui/react-components';

export default function SettingsPage(_props: { params: Record<string, string> }) {
  return (
    <>
      <Title2 as="h1" block>Settings</Title2>
      <Body1 as="p" block>Your settings, password and devices; for admins, users and the account. This page is on its way.</Body1>
    </>
  );
}
