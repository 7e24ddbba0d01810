#include "core/wire.h"

namespace swarmcrawl {

bool ReceiveMessage(zmq::socket_t& socket, size_t max_frames,
                    std::vector<zmq::message_t>* frames) {
  frames->clear();
  try {
    zmq::message_t first;
    if (!socket.recv(first, zmq::recv_flags::dontwait)) return false;
    bool more = first.more();
    frames->push_back(std::move(first));
    // The remaining parts of a multipart message are already queued: ZeroMQ
    // delivers messages atomically, so these reads do not wait.
    while (more) {
      zmq::message_t part;
      if (!socket.recv(part, zmq::recv_flags::none)) break;
      more = part.more();
      if (frames->size() < max_frames) frames->push_back(std::move(part));
    }
    return true;
  } catch (const zmq::error_t&) {
    return false;
  }
}

bool SendMessage(zmq::socket_t& socket, std::string_view routing_id,
                 const std::vector<std::string_view>& frames) {
  try {
    const auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
    if (!routing_id.empty() && !socket.send(zmq::buffer(routing_id), more)) return false;
    for (size_t i = 0; i < frames.size(); ++i) {
      const auto flags = i + 1 < frames.size() ? more : zmq::send_flags::dontwait;
      if (!socket.send(zmq::buffer(frames[i]), flags)) return false;
    }
    return true;
  } catch (const zmq::error_t&) {
    return false;
  }
}

std::vector<std::string_view> FrameViews(const std::vector<zmq::message_t>& frames) {
  std::vector<std::string_view> views;
  views.reserve(frames.size());
  for (const auto& f : frames) views.emplace_back(static_cast<const char*>(f.data()), f.size());
  return views;
}

void SetCurveClientKeys(zmq::socket_t& socket, const std::string& server_key_z85, const SigningKey& key) {
  const std::string secret = key.CurveSecretKey();
  char secret_z85[41] = {0}, public_z85[41] = {0};
  zmq_z85_encode(secret_z85, reinterpret_cast<const uint8_t*>(secret.data()), secret.size());
  zmq_curve_public(public_z85, secret_z85);
  socket.set(zmq::sockopt::curve_serverkey, server_key_z85);
  socket.set(zmq::sockopt::curve_publickey, std::string(public_z85));
  socket.set(zmq::sockopt::curve_secretkey, std::string(secret_z85));
}

}  // namespace swarmcrawl
