import { Directive, ElementRef, inject, signal, type OnDestroy, type OnInit } from '@angular/core';

/**
 * Counts the DOM updates of its host: each batch of mutations Angular makes while rendering is
 * one render. A row whose entity did not change is never touched, so its count stays put.
 */
@Directive({ selector: '[renderCount]', exportAs: 'renderCount' })
export class RenderCountDirective implements OnInit, OnDestroy {
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private observer?: MutationObserver;
  readonly count = signal(1); // the first render

  ngOnInit(): void {
    this.observer = new MutationObserver(() => this.count.update((n) => n + 1));
    this.observer.observe(this.host.nativeElement, { subtree: true, childList: true, characterData: true });
  }

  ngOnDestroy(): void {
    this.observer?.disconnect();
  }
}
