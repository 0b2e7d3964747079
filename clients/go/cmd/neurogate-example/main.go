// Command neurogate-example is a small NeuroGate gRPC client: it
// authenticates, lists the account's devices and reads a few packets of a
// device's live stream.
//
// Credentials come from the environment: NEUROGATE_API_KEY (a long-lived
// bearer token), or NEUROGATE_CLIENT_ID and NEUROGATE_CLIENT_SECRET (OAuth
// 2.0 client credentials, exchanged for an access token with
// AuthService.IssueToken). NEUROGATE_TARGET names the server (default
// 127.0.0.1:50051, the gRPC server; Envoy's port serves gRPC as well).
//
// It prints one line per step, for people and scripts alike:
//
//	authenticated: client_credentials, expires_in=3600
//	device dev_... name="Synthetic board" type=synthetic status=streaming channels=16 sample_rate=250
//	stream dev_...: started
//	packet sequence=1 first_sample=0 samples=25 channels=16
//	read 5 packets, 125 samples
//
// Errors go to stderr as the NeuroGate code (google.rpc.ErrorInfo's reason),
// the gRPC code and the message, and the exit status is 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	neurogatev1 "github.com/neurogate/neurogate/clients/go/neurogate/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func main() {
	target := flag.String("target", envOr("NEUROGATE_TARGET", "127.0.0.1:50051"), "gRPC server address")
	device := flag.String("device", "", "device to stream (default: the first one listed)")
	packets := flag.Int("packets", 5, "packets to read from the live stream")
	blockSize := flag.Int("block-size", 25, "samples per packet")
	timeout := flag.Duration("timeout", 30*time.Second, "deadline for the whole run")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *target, *device, *packets, int32(*blockSize)); err != nil {
		fmt.Fprintln(os.Stderr, "error:", describe(err))
		os.Exit(1)
	}
}

func run(ctx context.Context, target, deviceID string, packets int, blockSize int32) error {
	// Plaintext, as the server listens on loopback; put TLS in front of a
	// server that is reached over a network.
	conn, err := grpc.DialContext(ctx, target, grpc.WithInsecure())
	if err != nil {
		return err
	}
	defer conn.Close()

	ctx, err = authenticate(ctx, neurogatev1.NewAuthServiceClient(conn))
	if err != nil {
		return err
	}
	devices := neurogatev1.NewDeviceControlClient(conn)
	listed, err := devices.ListDevices(ctx, &neurogatev1.ListDevicesRequest{})
	if err != nil {
		return err
	}
	for _, d := range listed.GetDevices() {
		fmt.Printf("device %s name=%q type=%s status=%s channels=%d sample_rate=%g\n",
			d.GetDeviceId(), d.GetName(), d.GetType(), d.GetStatus(), len(d.GetChannels()), d.GetSampleRate())
	}
	if deviceID == "" {
		if len(listed.GetDevices()) == 0 {
			return errors.New("the account has no devices")
		}
		deviceID = listed.GetDevices()[0].GetDeviceId()
	}
	if err := startStream(ctx, devices, deviceID); err != nil {
		return err
	}
	return readPackets(ctx, neurogatev1.NewNeuralServiceClient(conn), deviceID, packets, blockSize)
}

// authenticate returns ctx carrying the bearer token every call needs.
func authenticate(ctx context.Context, auth neurogatev1.AuthServiceClient) (context.Context, error) {
	if key := os.Getenv("NEUROGATE_API_KEY"); key != "" {
		fmt.Println("authenticated: api_key")
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key), nil
	}
	clientID, secret := os.Getenv("NEUROGATE_CLIENT_ID"), os.Getenv("NEUROGATE_CLIENT_SECRET")
	if clientID == "" || secret == "" {
		return nil, errors.New("set NEUROGATE_API_KEY, or NEUROGATE_CLIENT_ID and NEUROGATE_CLIENT_SECRET")
	}
	token, err := auth.IssueToken(ctx, &neurogatev1.IssueTokenRequest{
		ClientId: clientID, ClientSecret: secret, GrantType: "client_credentials",
	})
	if err != nil {
		return nil, err
	}
	fmt.Printf("authenticated: client_credentials, expires_in=%d\n", token.GetExpiresIn())
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token.GetAccessToken()), nil
}

// startStream starts the device's stream with its saved configuration; a
// device that already streams (DEVICE_BUSY) is fine as it is.
func startStream(ctx context.Context, devices neurogatev1.DeviceControlClient, deviceID string) error {
	_, err := devices.StartStream(ctx, &neurogatev1.StartStreamRequest{DeviceId: deviceID})
	switch {
	case err == nil:
		fmt.Printf("stream %s: started\n", deviceID)
	case reason(err) == "DEVICE_BUSY":
		fmt.Printf("stream %s: already streaming\n", deviceID)
	default:
		return err
	}
	return nil
}

func readPackets(ctx context.Context, neural neurogatev1.NeuralServiceClient, deviceID string, packets int, blockSize int32) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop() // ends the subscription once enough packets arrived
	stream, err := neural.StreamNeuralData(ctx, &neurogatev1.StreamRequest{DeviceId: deviceID, BlockSize: blockSize})
	if err != nil {
		return err
	}
	samples := 0
	for read := 0; read < packets; read++ {
		packet, err := stream.Recv()
		if err == io.EOF {
			return fmt.Errorf("the stream closed after %d packets", read)
		}
		if err != nil {
			return err
		}
		if end := packet.GetEnd(); end != nil {
			return fmt.Errorf("the stream ended after %d packets: %s (%s)", read, end.GetReason(), end.GetMessage())
		}
		fmt.Printf("packet sequence=%d first_sample=%d samples=%d channels=%d\n",
			packet.GetSequence(), packet.GetFirstSampleIndex(), packet.GetSampleCount(), len(packet.GetChannelNumbers()))
		samples += int(packet.GetSampleCount())
	}
	fmt.Printf("read %d packets, %d samples\n", packets, samples)
	return nil
}

// reason is the NeuroGate error code of a gRPC error (ErrorInfo's reason).
func reason(err error) string {
	s, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, detail := range s.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

func describe(err error) string {
	s, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	if code := reason(err); code != "" {
		return fmt.Sprintf("%s (gRPC %s): %s", code, s.Code(), s.Message())
	}
	return fmt.Sprintf("gRPC %s: %s", s.Code(), s.Message())
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
