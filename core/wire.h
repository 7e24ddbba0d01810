// Wire: moving one SWC/1 message (a ZeroMQ multipart message) on a socket.
//
// Receiving never blocks and is bounded: at most `max_frames` frames are kept
// and the rest of an over-long message is read and dropped, so a peer cannot
// make the receiver buffer an unbounded number of frames. Sending never blocks
// either: when the peer's queue is full the message is dropped and false is
// returned (the protocol's retries and heartbeats recover from a lost message).
#pragma once

#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "core/crypto.h"

namespace swarmcrawl {

// Returns false when no message is waiting (or on a socket error).
bool ReceiveMessage(zmq::socket_t& socket, size_t max_frames,
                    std::vector<zmq::message_t>* frames);

// Sends `frames` as one message, preceded by `routing_id` when it is not empty
// (ROUTER sockets).
bool SendMessage(zmq::socket_t& socket, std::string_view routing_id,
                 const std::vector<std::string_view>& frames);

// The frames of a message as views (valid while `frames` lives).
std::vector<std::string_view> FrameViews(const std::vector<zmq::message_t>& frames);

// Makes `socket` a CurveZMQ client of the server with public key
// `server_key_z85`, using the transport key derived from the contributor key
// (SigningKey::CurveSecretKey): the coordinator recognizes the contributor by
// it (docs/protocol.md, "Transport keys").
void SetCurveClientKeys(zmq::socket_t& socket, const std::string& server_key_z85, const SigningKey& key);

}  // namespace swarmcrawl
