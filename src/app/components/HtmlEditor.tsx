// The template editor's HTML field (docs/product.md §10): CodeMirror 6 with HTML highlighting, folding,
// search (Ctrl/Cmd-F) and bracket matching from its basic setup — much lighter than Monaco. Colours
// come from Fluent's CSS variables, so the editor follows the light or dark theme. Tab is left to move
// focus (CodeMirror's default), so the editor never traps a keyboard user.
import { useEffect, useRef } from 'react';
import { basicSetup, EditorView } from 'codemirror';
import { html } from '@codemirror/lang-html';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';

const colours = HighlightStyle.define([
  { tag: [tags.tagName, tags.angleBracket], color: 'var(--colorPaletteBerryForeground2)' },
  { tag: tags.attributeName, color: 'var(--colorPaletteMarigoldForeground2)' },
  { tag: [tags.attributeValue, tags.string], color: 'var(--colorPaletteGreenForeground2)' },
  { tag: tags.comment, color: 'var(--colorNeutralForeground3)', fontStyle: 'italic' },
  { tag: [tags.keyword, tags.processingInstruction], color: 'var(--colorPaletteBlueForeground2)' },
]);

const theme = EditorView.theme({
  '&': { color: 'var(--colorNeutralForeground1)', backgroundColor: 'var(--colorNeutralBackground1)', fontSize: '13px', height: '100%' },
  '&.cm-focused': { outline: '2px solid var(--colorStrokeFocus2)' },
  '.cm-content': { caretColor: 'var(--colorNeutralForeground1)', fontFamily: 'var(--fontFamilyMonospace)' },
  '.cm-gutters': { backgroundColor: 'var(--colorNeutralBackground2)', color: 'var(--colorNeutralForeground2)', border: 'none' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--colorNeutralBackground1Hover)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--colorBrandBackground2)' },
  '.cm-panels': { backgroundColor: 'var(--colorNeutralBackground2)', color: 'var(--colorNeutralForeground1)' },
  '.cm-scroller': { overflow: 'auto' },
});

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** The id of the visible label ("HTML"). */
  labelledBy: string;
}

export function HtmlEditor({ value, onChange, labelledBy }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    const v = new EditorView({
      doc: value,
      parent: host.current!,
      extensions: [
        basicSetup,
        html(),
        syntaxHighlighting(colours),
        theme,
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-labelledby': labelledBy, 'aria-multiline': 'true' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChangeRef.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = v;
    return () => v.destroy();
    // The editor is made once; later values arrive through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A value set from outside (the template loaded, a revert) replaces the document; typing does not come back here.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return <div ref={host} data-testid="html-editor" style={{ minHeight: 280, maxHeight: 560, display: 'flex', flexDirection: 'column', border: '1px solid var(--colorNeutralStroke1)', borderRadius: 4, overflow: 'hidden' }} />;
}
