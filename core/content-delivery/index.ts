// Layer 2 of Tatum (neighbour management per stream part) and plumtree: what other rooms use.

export { ContentDeliveryLayer, type ContentDeliveryLayerPorts } from './content-delivery-layer.ts'
export {
  type ContentDeliveryLayerOptions, type ContentDeliveryLayerSettings, DEFAULT_CONTENT_DELIVERY_LAYER_OPTIONS,
  DEFAULT_PLUMTREE_OPTIONS, type PlumtreeOptions, createContentDeliveryLayerOptions, createPlumtreeOptions,
} from './content-delivery-options.ts'
export type { ContentDeliveryCounts, PlumtreeCounts } from './content-delivery-counts.ts'
export type { NeighbourSource, RingSidesView } from './neighbour-source.ts'
export { Plumtree } from './plumtree.ts'
