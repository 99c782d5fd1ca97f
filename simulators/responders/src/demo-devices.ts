import { contactDevice, DemoMembers, demoFleet, demoResponderToken, memberDevice } from "@wt/registry"

/** The demo tenant's responder device tokens (members and next of kin), derived from the demo secret like the seed does. */
export const demoResponderDevices = (secret: string, residents?: number) => ({
  members: DemoMembers.map((m) => demoResponderToken(secret, memberDevice(m.id))),
  contacts: demoFleet(residents !== undefined ? { residents } : {}).residents.flatMap((r) =>
    r.contacts.map((_, i) => demoResponderToken(secret, contactDevice(r.id, i + 1)))
  )
})
