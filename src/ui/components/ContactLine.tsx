// A person as the pane shows them: initials, name, and up to two lines below (Persona's layout). Built
// from tokens rather than Fluent's Persona, whose presence-badge icons alone would cost the pane ~15 KB
// gzipped for a feature (online presence) Mailbeacon does not have.
import { Caption1, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';

const PALETTE = [
  [tokens.colorPaletteBlueBackground2, tokens.colorPaletteBlueForeground2],
  [tokens.colorPaletteTealBackground2, tokens.colorPaletteTealForeground2],
  [tokens.colorPalettePurpleBackground2, tokens.colorPalettePurpleForeground2],
  [tokens.colorPaletteMarigoldBackground2, tokens.colorPaletteMarigoldForeground2],
  [tokens.colorPaletteBerryBackground2, tokens.colorPaletteBerryForeground2],
  [tokens.colorPaletteForestBackground2, tokens.colorPaletteForestForeground2],
] as const;

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'center', columnGap: tokens.spacingHorizontalS, minWidth: 0 },
  avatar: {
    flexShrink: 0,
    width: '32px',
    height: '32px',
    borderRadius: tokens.borderRadiusCircular,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    fontSize: tokens.fontSizeBase200,
    fontWeight: tokens.fontWeightSemibold,
  },
  text: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  line: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  muted: { color: tokens.colorNeutralForeground3 },
});

export function initials(name: string): string {
  const words = name.replace(/@.*/, '').split(/[\s._-]+/).filter(Boolean);
  return ((words[0]?.[0] ?? '') + (words.length > 1 ? words[words.length - 1][0] : '')).toUpperCase() || '?';
}

/** The same person always gets the same colour. */
const colourOf = (key: string) => PALETTE[[...key].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % PALETTE.length];

export function ContactLine({ name, secondary, tertiary, colourKey }: { name: string; secondary?: string; tertiary?: string; colourKey?: string }) {
  const c = useStyles();
  const [background, color] = colourOf((colourKey ?? name).toLowerCase());
  return (
    <div className={c.root}>
      <span className={c.avatar} style={{ background, color }} aria-hidden="true">
        {initials(name)}
      </span>
      <span className={c.text}>
        <Text weight="semibold" className={c.line}>
          {name}
        </Text>
        {secondary && <Caption1 className={mergeClasses(c.line, c.muted)}>{secondary}</Caption1>}
        {tertiary && <Caption1 className={c.line}>{tertiary}</Caption1>}
      </span>
    </div>
  );
}
