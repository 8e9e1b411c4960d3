// Cloud regions with the coordinates of the city that hosts them, for the geo latency model.
// City-centre coordinates: a data centre sits within tens of km, well inside the model's error.

export interface Region {
  readonly name: string
  readonly city: string
  readonly lat: number
  readonly lon: number
}

export const REGIONS: readonly Region[] = [
  { name: 'eu-central-1', city: 'Frankfurt', lat: 50.11, lon: 8.68 },
  { name: 'eu-west-1', city: 'Dublin', lat: 53.35, lon: -6.26 },
  { name: 'eu-west-2', city: 'London', lat: 51.51, lon: -0.13 },
  { name: 'eu-west-3', city: 'Paris', lat: 48.86, lon: 2.35 },
  { name: 'eu-north-1', city: 'Stockholm', lat: 59.33, lon: 18.07 },
  { name: 'us-east-1', city: 'Ashburn', lat: 39.04, lon: -77.49 },
  { name: 'us-east-2', city: 'Columbus', lat: 39.96, lon: -83.0 },
  { name: 'us-west-1', city: 'San Jose', lat: 37.34, lon: -121.89 },
  { name: 'us-west-2', city: 'Boardman', lat: 45.84, lon: -119.7 },
  { name: 'ca-central-1', city: 'Montreal', lat: 45.5, lon: -73.57 },
  { name: 'ap-south-1', city: 'Mumbai', lat: 19.08, lon: 72.88 },
  { name: 'ap-northeast-2', city: 'Seoul', lat: 37.57, lon: 126.98 },
  { name: 'ap-southeast-1', city: 'Singapore', lat: 1.35, lon: 103.82 },
  { name: 'ap-southeast-2', city: 'Sydney', lat: -33.87, lon: 151.21 },
  { name: 'ap-northeast-1', city: 'Tokyo', lat: 35.68, lon: 139.69 },
  { name: 'sa-east-1', city: 'Sao Paulo', lat: -23.55, lon: -46.63 },
  { name: 'eu-south-1', city: 'Milan', lat: 45.46, lon: 9.19 },
  { name: 'ap-east-1', city: 'Hong Kong', lat: 22.32, lon: 114.17 },
  { name: 'me-south-1', city: 'Bahrain', lat: 26.07, lon: 50.56 },
  { name: 'af-south-1', city: 'Cape Town', lat: -33.92, lon: 18.42 },
]

/** The 16 regions of the reference measurements, and the geo model's default placement. */
export const DEFAULT_GEO_REGIONS: readonly string[] = REGIONS.slice(0, 16).map((r) => r.name)

export function findRegion(name: string): Region | undefined {
  return REGIONS.find((r) => r.name === name)
}

const EARTH_RADIUS_KM = 6371

export function greatCircleKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}
