// Angular in JIT under jest: the compiler must be loaded before anything is compiled, and
// TestBed needs its platform once per test file (jest gives each file a fresh module registry).
import '@angular/compiler';
import { TestBed } from '@angular/core/testing';
import { BrowserTestingModule, platformBrowserTesting } from '@angular/platform-browser/testing';

let initialized = false;

export function initAngularTestEnvironment(): void {
  if (initialized) return;
  initialized = true;
  TestBed.initTestEnvironment(BrowserTestingModule, platformBrowserTesting(), { teardown: { destroyAfterEach: true } });
}
