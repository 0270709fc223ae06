import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../navigation';

export function Link(props: { href: string; class?: string; children: ComponentChildren; current?: boolean }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={onLinkClick}
      {...(props.current !== undefined && { 'aria-current': props.current ? 'page' : undefined })}
    >
      {props.children}
    </a>
  );
}
