// The frame of the signed-out pages: a centred card with the product name and the page's h1.
import type { ReactNode } from 'react';
import { Body1, Card, Text, Title2, makeStyles, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  page: { minHeight: '100vh', display: 'grid', placeItems: 'center', padding: tokens.spacingHorizontalL, boxSizing: 'border-box', backgroundColor: tokens.colorNeutralBackground2 },
  card: { width: '100%', maxWidth: '400px', padding: tokens.spacingHorizontalXXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  brand: { color: tokens.colorBrandForeground1, fontWeight: tokens.fontWeightSemibold },
  intro: { color: tokens.colorNeutralForeground2 },
});

export const useFormStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
});

export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  const s = useStyles();
  return (
    <main className={s.page}>
      <Card className={s.card}>
        <Text className={s.brand}>Mailbeacon</Text>
        <Title2 as="h1">{title}</Title2>
        {intro && <Body1 className={s.intro}>{intro}</Body1>}
        {children}
      </Card>
    </main>
  );
}
