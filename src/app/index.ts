/** The application layer: handlers, filters, components, scheduler, timers. */
export { Application, createApp, type AppOptions } from './application.js';
export type { Component } from './component.js';
export { afterFilter, beforeFilter, compose, type Dispatch, type Filter } from './filters.js';
export type { HandlerContext, HandlerMethod } from './handler-context.js';
export type { HandlerOptions } from './handler-registry.js';
export { Scheduler, type Job, type TimerHandle } from './scheduler.js';
export type { ClusterOptions, InstancePicker } from './cluster-options.js';
export { CopyCloseReason, type CopyReconcilerOptions } from './copy-reconciler.js';
