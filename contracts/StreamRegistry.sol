// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The stream registry of core/security/stream-registry.ts on a chain: a stream has an owner, who
/// may do everything; others hold a publish or a subscribe permission until it expires, as in
/// Streamr's StreamRegistry (per user: publishExpiration, subscribeExpiration); a public stream
/// lets anyone subscribe; a stream nobody created allows nothing. Only the owner grants, revokes
/// and makes public. A change is a transaction, so nodes see it once a block includes it.
contract StreamRegistry {
    enum Permission { Publish, Subscribe }

    /// Stream ids as the message codec bounds them (core/message-layer/codec.ts maxStreamIdBytes).
    uint256 public constant MAX_STREAM_ID_BYTES = 255;
    /// An expiry that never comes: what a grant without one holds.
    uint64 public constant NEVER_EXPIRES = type(uint64).max;

    struct Stream {
        address owner;
        bool isPublic;
    }

    struct Grants {
        /// Unix seconds until which the user may publish (exclusive); 0: never granted or revoked.
        uint64 publishExpiration;
        uint64 subscribeExpiration;
    }

    mapping(bytes32 => Stream) private streams;
    mapping(bytes32 => mapping(address => Grants)) private grants;

    event StreamCreated(string streamId, address indexed owner);
    /// expiresAt 0: revoked.
    event PermissionChanged(string streamId, address indexed user, Permission permission, uint64 expiresAt);
    event StreamMadePublic(string streamId);

    function createStream(string calldata streamId) external {
        uint256 length = bytes(streamId).length;
        require(length > 0 && length <= MAX_STREAM_ID_BYTES, "streamId: expected 1 to 255 bytes");
        bytes32 key = keccak256(bytes(streamId));
        require(streams[key].owner == address(0), "stream exists");
        streams[key].owner = msg.sender;
        emit StreamCreated(streamId, msg.sender);
    }

    /// Lets `user` publish or subscribe until `expiresAt` (unix seconds; NEVER_EXPIRES: for good).
    function grant(string calldata streamId, address user, Permission permission, uint64 expiresAt) external {
        bytes32 key = ownedBy(streamId, msg.sender);
        require(expiresAt > 0, "expiresAt: expected > 0 (revoke to take a permission away)");
        set(key, user, permission, expiresAt);
        emit PermissionChanged(streamId, user, permission, expiresAt);
    }

    function revoke(string calldata streamId, address user, Permission permission) external {
        bytes32 key = ownedBy(streamId, msg.sender);
        set(key, user, permission, 0);
        emit PermissionChanged(streamId, user, permission, 0);
    }

    function makePublic(string calldata streamId) external {
        bytes32 key = ownedBy(streamId, msg.sender);
        streams[key].isPublic = true;
        emit StreamMadePublic(streamId);
    }

    function allows(string calldata streamId, address user, Permission permission) external view returns (bool) {
        Stream storage stream = streams[keccak256(bytes(streamId))];
        if (stream.owner == address(0)) return false;
        if (user == stream.owner) return true;
        if (permission == Permission.Subscribe && stream.isPublic) return true;
        Grants storage g = grants[keccak256(bytes(streamId))][user];
        uint64 expiration = permission == Permission.Publish ? g.publishExpiration : g.subscribeExpiration;
        return expiration > block.timestamp;
    }

    /// The stream's owner; the zero address for a stream nobody created.
    function ownerOf(string calldata streamId) external view returns (address) {
        return streams[keccak256(bytes(streamId))].owner;
    }

    function isPublic(string calldata streamId) external view returns (bool) {
        return streams[keccak256(bytes(streamId))].isPublic;
    }

    function ownedBy(string calldata streamId, address caller) private view returns (bytes32 key) {
        key = keccak256(bytes(streamId));
        address owner = streams[key].owner;
        require(owner != address(0), "no such stream");
        require(owner == caller, "not the stream's owner");
    }

    function set(bytes32 key, address user, Permission permission, uint64 expiresAt) private {
        if (permission == Permission.Publish) grants[key][user].publishExpiration = expiresAt;
        else grants[key][user].subscribeExpiration = expiresAt;
    }
}
