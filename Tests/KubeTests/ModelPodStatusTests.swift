import Foundation
import XCTest
@testable import Kube

/// kubectl's STATUS / READY / RESTARTS columns for pod states the recordings do not contain.
final class ModelPodStatusTests: XCTestCase {
    /// A pod with one app container "app" (plus `initContainers` init containers named i0, i1, ...).
    private func pod(status: String, initContainers: [String] = [], deleting: Bool = false) throws -> Pod {
        let inits = initContainers.map { #"{"name":"\#($0)"\#($0.hasPrefix("sidecar") ? #","restartPolicy":"Always""# : "")}"# }
        let json = """
        {"metadata":{"name":"p","namespace":"ns"\(deleting ? #","deletionTimestamp":"2026-11-21T10:20:32Z""# : "")},
         "spec":{"initContainers":[\(inits.joined(separator: ","))],"containers":[{"name":"app"}]},
         "status":\(status)}
        """
        return try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
    }

    func testContainerCreating() throws {
        let p = try pod(status: #"{"phase":"Pending","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}"#)
        XCTAssertEqual(p.displayStatus, "ContainerCreating")
        XCTAssertEqual(p.readyText, "0/1")
    }

    func testCrashLoopBackOff() throws {
        let p = try pod(status: #"{"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":7,"state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2026-11-21T10:30:00Z"}}}]}"#)
        XCTAssertEqual(p.displayStatus, "CrashLoopBackOff")
        XCTAssertEqual(p.restarts, 7)
        XCTAssertEqual(p.status?.containerStatuses?.first?.lastState?.terminated?.reason, "Error")
    }

    func testOOMKilled() throws {
        let p = try pod(status: #"{"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":1,"state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}"#)
        XCTAssertEqual(p.displayStatus, "OOMKilled")
        XCTAssertEqual(p.restarts, 1)
    }

    func testTerminatedWithoutReason() throws {
        let exit = try pod(status: #"{"phase":"Failed","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":3}}}]}"#)
        XCTAssertEqual(exit.displayStatus, "ExitCode:3")
        let signal = try pod(status: #"{"phase":"Failed","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":0,"signal":9}}}]}"#)
        XCTAssertEqual(signal.displayStatus, "Signal:9")
    }

    func testCompleted() throws {
        let p = try pod(status: #"{"phase":"Succeeded","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}"#)
        XCTAssertEqual(p.displayStatus, "Completed")
        XCTAssertEqual(p.readyText, "0/1")
        // A finished pod being deleted stays Completed: only non-terminal phases show Terminating.
        let deleted = try pod(status: #"{"phase":"Succeeded","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}"#, deleting: true)
        XCTAssertEqual(deleted.displayStatus, "Completed")
    }

    func testTerminatingAndNodeLost() throws {
        let running = #"{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"state":{"running":{}}}]}"#
        XCTAssertEqual(try pod(status: running, deleting: true).displayStatus, "Terminating")
        XCTAssertEqual(try pod(status: running).displayStatus, "Running")
        let lost = #"{"phase":"Running","reason":"NodeLost","containerStatuses":[{"name":"app","ready":true,"state":{"running":{}}}]}"#
        XCTAssertEqual(try pod(status: lost, deleting: true).displayStatus, "Unknown")
    }

    func testEvicted() throws {
        let p = try pod(status: #"{"phase":"Failed","reason":"Evicted","message":"The node was low on resource: memory."}"#)
        XCTAssertEqual(p.displayStatus, "Evicted")
    }

    func testSchedulingGated() throws {
        let p = try pod(status: #"{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}"#)
        XCTAssertEqual(p.displayStatus, "SchedulingGated")
    }

    func testInitContainers() throws {
        let waitingSecond = try pod(status: #"""
            {"phase":"Pending","initContainerStatuses":[
              {"name":"i0","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
              {"name":"i1","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}],
             "containerStatuses":[{"name":"app","state":{"waiting":{"reason":"PodInitializing"}}}]}
            """#, initContainers: ["i0", "i1"])
        XCTAssertEqual(waitingSecond.displayStatus, "Init:1/2")
        XCTAssertEqual(waitingSecond.readyText, "0/1")

        let crashing = try pod(status: #"""
            {"phase":"Pending","initContainerStatuses":[
              {"name":"i0","restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}],
             "containerStatuses":[{"name":"app","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}
            """#, initContainers: ["i0"])
        XCTAssertEqual(crashing.displayStatus, "Init:CrashLoopBackOff")
        XCTAssertEqual(crashing.restarts, 4)

        let failed = try pod(status: #"""
            {"phase":"Pending","initContainerStatuses":[{"name":"i0","state":{"terminated":{"exitCode":2}}}]}
            """#, initContainers: ["i0"])
        XCTAssertEqual(failed.displayStatus, "Init:ExitCode:2")

        let oom = try pod(status: #"""
            {"phase":"Pending","initContainerStatuses":[{"name":"i0","state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}
            """#, initContainers: ["i0"])
        XCTAssertEqual(oom.displayStatus, "Init:OOMKilled")
    }

    func testSidecarCountsAsContainer() throws {
        let p = try pod(status: #"""
            {"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
             "initContainerStatuses":[{"name":"sidecar-proxy","ready":true,"started":true,"restartCount":2,"state":{"running":{}}}],
             "containerStatuses":[{"name":"app","ready":true,"restartCount":1,"state":{"running":{}}}]}
            """#, initContainers: ["sidecar-proxy"])
        XCTAssertEqual(p.displayStatus, "Running")
        XCTAssertEqual(p.readyText, "2/2")
        XCTAssertEqual(p.restarts, 3)
    }

    func testGPURequestPrefersLimitsAndSumsContainers() throws {
        let json = """
        {"metadata":{"name":"tp"},"spec":{"containers":[
          {"name":"a","resources":{"limits":{"nvidia.com/gpu":"2"},"requests":{"nvidia.com/gpu":"2"}}},
          {"name":"b","resources":{"requests":{"nvidia.com/gpu":1}}},
          {"name":"c","resources":{"limits":{"cpu":"500m"}}},
          {"name":"d","resources":{"limits":{"cpu":"250m"}}}],
          "initContainers":[{"name":"download","resources":{"limits":{"nvidia.com/gpu":"2"}}}]}}
        """
        let p = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        XCTAssertEqual(p.gpuRequest, 3)
        XCTAssertEqual(p.effectiveRequest("cpu"), Decimal(string: "0.75"))
    }

    func testEffectiveRequestCountsInitContainersAndSidecars() throws {
        let json = """
        {"metadata":{"name":"init"},"spec":{
          "initContainers":[
            {"name":"download","resources":{"limits":{"nvidia.com/gpu":"4"}}},
            {"name":"proxy","restartPolicy":"Always","resources":{"limits":{"nvidia.com/gpu":"1"}}},
            {"name":"warmup","resources":{"limits":{"nvidia.com/gpu":"4"}}}],
          "containers":[{"name":"app","resources":{"limits":{"nvidia.com/gpu":"2"}}}]}}
        """
        let p = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        // download (4) runs alone; warmup (4) runs beside the already started proxy (1): 5;
        // then the app (2) runs beside the proxy: 3. The pod needs the peak.
        XCTAssertEqual(p.gpuRequest, 5)
        XCTAssertEqual(p.effectiveRequest("memory"), 0)
    }
}
