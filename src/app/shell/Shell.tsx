// The signed-in frame (docs/product.md, "The web app"): a navigation rail on wide windows (≥ 900 px),
// a top bar with a menu button below that; the person's name and Sign out; the page in `main`.
import { useEffect, useState, type ReactNode } from 'react';
import { Button, Caption1, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { DismissRegular, NavigationRegular } from '@fluentui/react-icons';
import { Link } from '../router.js';
import { useSession } from '../session.js';

export const NAV = [
  { href: '/app/activity', label: 'Activity' },
  { href: '/app/tracked', label: 'Tracked email' },
  { href: '/app/contacts', label: 'Contacts' },
  { href: '/app/templates', label: 'Templates' },
  { href: '/app/transactional', label: 'Transactional' },
  { href: '/app/settings', label: 'Settings' },
] as const;

const WIDE = '@media (min-width: 900px)';

const useStyles = makeStyles({
  root: { minHeight: '100vh', display: 'flex', flexDirection: 'column', [WIDE]: { flexDirection: 'row' }, backgroundColor: tokens.colorNeutralBackground2 },
  topbar: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    [WIDE]: { display: 'none' },
  },
  brand: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400 },
  rail: {
    display: 'none',
    flexDirection: 'column',
    width: '232px',
    flexShrink: 0,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
    padding: tokens.spacingVerticalM,
    boxSizing: 'border-box',
    [WIDE]: { display: 'flex', position: 'sticky', top: 0, height: '100vh' },
  },
  open: { display: 'flex' },
  railBrand: { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalS}`, marginBottom: tokens.spacingVerticalM, display: 'none', [WIDE]: { display: 'block' } },
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: '2px', flexGrow: 1 },
  link: {
    display: 'block',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground1,
    textDecoration: 'none',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  current: { backgroundColor: tokens.colorBrandBackground2, color: tokens.colorBrandForeground1, fontWeight: tokens.fontWeightSemibold },
  person: { borderTop: `1px solid ${tokens.colorNeutralStroke2}`, paddingTop: tokens.spacingVerticalM, marginTop: tokens.spacingVerticalM, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  email: { color: tokens.colorNeutralForeground3, overflowWrap: 'anywhere' },
  main: { flexGrow: 1, minWidth: 0, padding: tokens.spacingHorizontalL, [WIDE]: { padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalXXXL}` } },
});

export function Shell({ pathname, children }: { pathname: string; children: ReactNode }) {
  const s = useStyles();
  const { user, signOut } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  // A page chosen from the menu closes it.
  useEffect(() => setMenuOpen(false), [pathname]);
  return (
    <div className={s.root}>
      <header className={s.topbar}>
        <Button
          appearance="subtle"
          icon={menuOpen ? <DismissRegular /> : <NavigationRegular />}
          aria-label={menuOpen ? 'Close menu' : 'Menu'}
          aria-expanded={menuOpen}
          aria-controls="mb-nav"
          onClick={() => setMenuOpen((o) => !o)}
        />
        <Text className={s.brand}>Mailbeacon</Text>
      </header>
      <nav id="mb-nav" aria-label="Mailbeacon" className={mergeClasses(s.rail, menuOpen && s.open)}>
        <Text className={mergeClasses(s.brand, s.railBrand)}>Mailbeacon</Text>
        <ul className={s.list}>
          {NAV.map((n) => {
            const current = pathname === n.href || pathname.startsWith(n.href + '/');
            return (
              <li key={n.href}>
                <Link href={n.href} className={mergeClasses(s.link, current && s.current)} aria-current={current ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className={s.person}>
          <Text weight="semibold">{user.name || user.email}</Text>
          {user.name && <Caption1 className={s.email}>{user.email}</Caption1>}
          <div>
            <Button appearance="secondary" size="small" onClick={() => void signOut()}>
              Sign out
            </Button>
          </div>
        </div>
      </nav>
      <main className={s.main}>{children}</main>
    </div>
  );
}
